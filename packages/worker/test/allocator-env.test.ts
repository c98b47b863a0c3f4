// The allocator settings a launcher gives its workers: added to GLIBC_TUNABLES without touching
// what the user set, and read by this machine's glibc as meant (its loader lists the values it
// took from the environment).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { ALLOCATOR_TUNABLES, withAllocatorTunables } from '../src/allocator-env.js';

const OURS = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864';

describe('withAllocatorTunables', () => {
  it('adds both settings when none is given, and leaves the given environment alone', () => {
    const base = { PATH: '/bin' };
    expect(withAllocatorTunables(base)).toEqual({ PATH: '/bin', GLIBC_TUNABLES: OURS });
    expect(withAllocatorTunables({ GLIBC_TUNABLES: '' })).toEqual({ GLIBC_TUNABLES: OURS });
    expect(base).toEqual({ PATH: '/bin' });
  });

  it("appends to the user's other tunables and never overrides one they set", () => {
    expect(withAllocatorTunables({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe(`glibc.malloc.arena_max=2:${OURS}`);
    expect(withAllocatorTunables({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=131072' }).GLIBC_TUNABLES).toBe('glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=33554432');
    const both = 'glibc.malloc.mmap_threshold=0:glibc.malloc.trim_threshold=0';
    expect(withAllocatorTunables({ GLIBC_TUNABLES: both })).toEqual({ GLIBC_TUNABLES: both });
  });

  it("is what this machine's glibc reads at process start", () => {
    // The dynamic loader prints every tunable with the value it took from GLIBC_TUNABLES.
    const loader = { x64: '/lib64/ld-linux-x86-64.so.2', arm64: '/lib/ld-linux-aarch64.so.1' }[process.arch as 'x64' | 'arm64'];
    const listed = execFileSync(loader, ['--list-tunables'], { env: withAllocatorTunables({}), encoding: 'utf8' });
    for (const [name, value] of Object.entries(ALLOCATOR_TUNABLES)) {
      expect(listed).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}: 0x${Number(value).toString(16)} `, 'm'));
    }
  });
});
