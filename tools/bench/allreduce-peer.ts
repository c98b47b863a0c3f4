// One rank of the all-reduce benchmark (a separate process, as a worker is), on the worker's own
// code path: the CoordinatorLink (DEALER, validation) and the reducer that training uses, the
// RemoteReducer (star) or the SharedMemoryReducer (shared). On each STEP it reduces its buffer
// and reports in DONE how long that took.
//   node allreduce-peer.js <address> <bytes,bytes,...> <repetitions incl. warm-up> <star|shared>
import { hostname } from 'node:os';
import { CoordinatorLink, OwnSegment, PeerSegment, RemoteReducer, segmentLayout, sharedMemoryId, SharedMemoryReducer } from '@dgm/worker';
import type { GradientReducer } from '@dgm/core';
import type { Message } from '@dgm/protocol';
import { phaseOf } from './allreduce-runtime.js';

const [address, sizesArg, repsArg, planeArg] = process.argv.slice(2);
const sizes = sizesArg!.split(',').map(Number);
const reps = Number(repsArg);
const liveness = { heartbeatMs: 500, timeoutMs: 60_000 };
const run = 'allreduce-bench';

const buffers = sizes.map((bytes) => new Float32Array(bytes / 4).fill(1));
// One segment with a region per size: the phases are the sizes.
const layout = segmentLayout(Object.fromEntries(sizes.map((b) => [phaseOf(b), b / 4])));
const own = planeArg === 'shared' ? OwnSegment.create(layout.bytes) : null;
const star = new RemoteReducer(run, (m) => link.send(m), liveness.timeoutMs);
let shared: SharedMemoryReducer | null = null;

async function onStep(step: number): Promise<void> {
  const k = Math.floor(step / reps);
  const grads = buffers[k]!;
  const reducer: GradientReducer = shared ?? star;
  const started = performance.now();
  const reduced = await reducer.reduce(phaseOf(sizes[k]!) as 'd', step, grads, 1);
  const ms = performance.now() - started;
  if (reduced[0] !== 1 || reduced[reduced.length - 1] !== 1) throw new Error('wrong average');
  await link.send({ type: 'DONE', run, step, error: null, sampleCount: 1, losses: {}, computeMs: 0, reduceMs: ms });
}

const link: CoordinatorLink = new CoordinatorLink(address!, liveness, 2 ** 30, {
  message(m: Message) {
    if (m.type === 'STEP') onStep(m.step).catch((error: Error) => fail(error.message));
    else if (m.type === 'REDUCED') star.deliver(m);
    else if (m.type === 'PROCEED') shared!.deliver(m);
    else if (m.type === 'PLANE') {
      const rank = m.segments.indexOf(own!.path);
      const peers = m.segments.map((path, q) => (q === rank ? null : PeerSegment.open(path, layout.bytes, q)));
      shared = new SharedMemoryReducer(run, rank, own!, peers, layout, (msg) => link.send(msg), liveness.timeoutMs);
    } else if (m.type === 'STOP') {
      link.close();
      shared?.close();
      own?.close();
      process.exit(0);
    }
  },
  invalid: (reason) => fail(`peer got an invalid message: ${reason}`),
  gone: (error) => fail(error.message),
});

function fail(reason: string): never {
  process.stderr.write(`allreduce peer: ${reason}\n`);
  own?.close();
  process.exit(1);
}

link.start();
await link.send({
  type: 'HELLO', run, configHash: null, manifestHash: null, backend: 'none', device: 'cpu', pid: process.pid, host: hostname(),
  shmId: own ? sharedMemoryId() : null, shmPath: own?.path ?? null,
});
