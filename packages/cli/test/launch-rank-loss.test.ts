// An elastic run under `dgm launch` on several nodes: a worker of node 1 dies by SIGKILL mid-run
// (test hook DGM_TEST_KILL_AT), the run goes on with --min-workers 3 and finishes, and node 1's
// launch process says so in one warning and exits 0 like node 0's: a scheduler must not mark a
// run that finished as failed because one of its workers was lost on the way.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from './support/free-port.js';
import { runDgm } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-rank-loss-'));
const data = join(root, 'images.npy');
beforeAll(() => writeFlatImages(data, 24, 8, 8, (i) => 7 + 10 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('a node whose worker died in an elastic run that finished exits 0, naming the lost worker once', async () => {
  const port = await freePort();
  const out = join(root, 'run');
  // Kubeflow TrainJob variables (see launch-engines.test.ts): 2 nodes of 2 workers, ranks 0-1 and 2-3.
  const node = (index: number): NodeJS.ProcessEnv => ({ PET_NNODES: '2', PET_NPROC_PER_NODE: '2', PET_NODE_RANK: String(index), PET_MASTER_ADDR: '127.0.0.1', PET_MASTER_PORT: String(port), DGM_TEST_KILL_AT: '3:2:vae' });
  const args = ['launch', '--model', 'vae', '--dataset', `npy:${data}`, '--steps', '6', '--batch-size', '8', '--min-workers', '3', '--out', out];
  const [first, second] = await Promise.all([runDgm(args, { cwd: root, env: node(0) }), runDgm(args, { cwd: root, env: node(1) })]);
  expect(first.code, first.stderr).toBe(0);
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toMatch(/worker rank 3 \(pid \d+\) was killed by SIGKILL\. The run went on without it \(--min-workers\) and finished\./);
  expect(second.stderr.match(/was killed by SIGKILL/g)).toHaveLength(1);
  expect(readFileSync(join(out, 'checkpoints/latest'), 'utf8').trim()).toBe('step-000006');
  // The loss is on record: the coordinator's metrics name rank 3 as left at step 2.
  const membership = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').flatMap((l) => (JSON.parse(l) as { membership?: { event: string; rank: number; step: number }[] }).membership ?? []);
  expect(membership).toContainEqual(expect.objectContaining({ event: 'left', rank: 3 }));
});
