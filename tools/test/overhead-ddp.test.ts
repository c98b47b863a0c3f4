// The `overhead` bench's PyTorch side (`overhead --impl ddp`, tools/bench/torch/ddp_overhead.py)
// runs here for a few steps, so that the DDP path cannot break unseen: python3-torch is one of
// the CI's packages (.ci/apt-packages), and a machine without it fails this test. The figures
// themselves go in BENCHMARKS.md; here only their shape and the checks that keep them honest.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { DdpOverheadRun } from '../dist/bench/allreduce-anchors.js';
import { checkSameModel, type OverheadReport } from '../dist/bench/step-overhead.js';

const BENCH = fileURLToPath(new URL('../dist/bench/allreduce.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dgm-overhead-ddp-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bench(...args: string[]) {
  const r = spawnSync(process.execPath, [BENCH, 'overhead', ...args], { encoding: 'utf8', timeout: 150_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function benchAsync(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH, 'overhead', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** dgm's mlp-gan of the bench (latent 4, hidden 16) as ddp_overhead.py reports a run of it. */
function ddpRun(change: Partial<DdpOverheadRun> = {}): DdpOverheadRun {
  return {
    workers: 2,
    records: [],
    paramShapes: { d: [[784, 16], [16], [16, 1], [1]], g: [[4, 16], [16], [16, 784], [784]] },
    allreducesPerStep: { d: 1, g: 1 },
    replicasEqual: true,
    ...change,
  };
}

describe('overhead --impl ddp', () => {
  it("trains the bench's model with DDP over gloo on 1 and 2 ranks and reports dgm's figures for it", () => {
    const json = join(dir, 'overhead.json');
    const r = bench('--impl', 'ddp', '--steps', '14', '--warmup', '10', '--json', json);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/torch-ddp-gloo\s+gloo-tcp\s+2\s/);
    const rows = (JSON.parse(readFileSync(json, 'utf8')) as { overhead: OverheadReport[] }).overhead;
    expect(rows.map((row) => [row.impl, row.transport, row.workers, row.rounds.length])).toEqual([
      ['torch-ddp-gloo', 'gloo-tcp', 1, 1],
      ['torch-ddp-gloo', 'gloo-tcp', 2, 1],
    ]);
    for (const row of rows) {
      expect(row.stepMs).toBeGreaterThan(0);
      expect(row.computeMs).toBeGreaterThan(0);
      for (const v of [row.overheadMs, row.imbalanceMs, row.outsideMs]) expect(Number.isFinite(v)).toBe(true);
    }
    // One rank: its step is its compute plus its own (trivial) all-reduce, nothing to wait for.
    expect(rows[0]!.imbalanceMs).toBe(0);
    expect(rows[0]!.overheadMs).toBeGreaterThan(0);
    expect(rows[0]!.overheadMs).toBeLessThan(rows[0]!.stepMs);
  });

  it("refuses a DDP run that did not train dgm's model the way dgm does", () => {
    const options = { latentDim: 4, hidden: [16] };
    expect(() => checkSameModel(ddpRun(), options)).not.toThrow();
    expect(() => checkSameModel(ddpRun({ paramShapes: { ...ddpRun().paramShapes, g: [[4, 32], [32], [32, 784], [784]] } }), options)).toThrow(/generator has parameters .* not the same model/);
    expect(() => checkSameModel(ddpRun(), { latentDim: 4, hidden: [32] })).toThrow(/discriminator has parameters .* not the same model/);
    expect(() => checkSameModel(ddpRun({ allreducesPerStep: { d: 2, g: 1 } }), options)).toThrow(/DDP split phase d's gradient into 2 buckets \(all-reduces a step\); dgm makes 1/);
    expect(() => checkSameModel(ddpRun({ replicasEqual: false }), options)).toThrow(/replicas ended with different parameters/);
  });

  it('names dgm and ddp as the only implementations, and wants more steps than the warm-up', async () => {
    const cases = [
      [['--impl', 'dgm,gloo'], /--impl is a list of dgm, ddp\./],
      [['--steps', '200'], /--steps of the overhead bench must be above its warm-up \(--warmup, 200 steps\)/],
      [['--steps', '10', '--warmup', '10'], /--steps of the overhead bench must be above its warm-up \(--warmup, 10 steps\)/],
      [['--warmup', 'x'], /--warmup 'x' is not allowed: give a whole number of steps/],
    ] as const;
    // Side by side: the first case, --impl, is read only once tfjs has loaded (the others before).
    const results = await Promise.all(cases.map(([args]) => benchAsync(...args)));
    results.forEach((r, i) => {
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(cases[i]![1]);
      expect(r.out).toBe('');
    });
  });
});
