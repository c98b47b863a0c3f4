// The multi-host benches' command lines: a mistake is one sentence naming the flag and what is
// allowed, exit code 2, before any simulated cluster is made (the benches themselves run in
// BENCHMARKS.md, never here).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bench = (name: string) => fileURLToPath(new URL(`../dist/bench/${name}.js`, import.meta.url));

function run(name: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bench(name), ...args], { encoding: 'utf8' });
  return { code: r.status, err: r.stderr, out: r.stdout };
}

describe('cluster benches refuse bad flags', () => {
  it('cluster-allreduce', () => {
    for (const [args, said] of [
      [['--impl', 'hier-fp32,nccl'], /--impl 'hier-fp32,nccl' is not allowed: give a comma-separated list of hier-fp32, hier-bf16, hier-fp16, hier-fp32-zmq, hier-bf16-zmq, star, gloo/],
      [['--hosts', '1,4'], /--hosts '1,4' is not allowed: give host counts from 2 to 32/],
      [['--rates', '1gbps'], /--rates '1gbps' is not allowed/],
      [['--sizes', '1000001'], /--sizes '1000001' is not allowed: give byte counts that are multiples of 4/],
      [['--reps', '0'], /--reps '0' is not allowed/],
      [['--warmup-bytes', 'lots'], /--warmup-bytes 'lots' is not allowed: give a whole number of bytes from 0 to 16 GiB/],
    ] as const) {
      const r = run('cluster-allreduce', ...args);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(said);
      expect(r.out).toBe('');
    }
  });

  it('cluster-dcgan', () => {
    const rate = run('cluster-dcgan', '--rate', 'fast');
    expect(rate.code).toBe(2);
    expect(rate.err).toMatch(/--rate: link rate 'fast' is not allowed/);
    const steps = run('cluster-dcgan', '--steps', '2');
    expect(steps.code).toBe(2);
    expect(steps.err).toMatch(/--steps '2' is not allowed: give a whole number above 2/);
    expect(steps.out).toBe('');
  });
});
