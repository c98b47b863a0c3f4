// The `receive-path` bench runs here on a few MiB, so that its four paths (ZeroMQ, ZeroMQ under a
// launched worker's allocator settings, node:net into WebAssembly memory, the ring's own TCP link)
// cannot break unseen.
// The figures go in BENCHMARKS.md; here only that every path delivers every chunk and reports.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('../dist/bench/receive-path.js', import.meta.url));
const bench = (...args: string[]) => spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('receive-path bench', () => {
  it('receives every chunk on each path and reports CPU per GiB', () => {
    const r = bench('--mib', '8', '--rounds', '1');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { summary: Record<string, { receiverTotal: number; gibPerSecond: number }>; readings: Record<string, { receiver: { wallMs: number } }[]> };
    expect(Object.keys(report.summary)).toEqual(['zeromq', 'zeromq-tuned', 'net-into-wasm', 'ring-tcp']);
    for (const row of Object.values(report.summary)) {
      expect(row.receiverTotal).toBeGreaterThanOrEqual(0);
      expect(row.gibPerSecond).toBeGreaterThan(0);
    }
  });

  it('refuses a size it cannot run with one sentence and exit 2', () => {
    const r = bench('--mib', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('--mib must be a whole number of MiB from 1 to 65536 and --rounds a whole number from 1 to 100.\n');
  });
});
