// One rank of the all-reduce benchmark (a separate process, as a worker is), on the worker's own
// code path: the CoordinatorLink (DEALER, validation) and the data planes' worker side that
// training uses (@dgm/plane's WorkerPlanes: the star's RemoteReducer until a PLANE sets up the
// shared-memory plane). On each STEP it reduces its buffer and reports in DONE how long that took.
//   node allreduce-peer.js <address> <bytes,bytes,...> <repetitions incl. warm-up> <star|shared>
import { hostname } from 'node:os';
import { WorkerPlanes } from '@dgm/plane';
import type { Message } from '@dgm/protocol';
import { CoordinatorLink } from '@dgm/worker/bench';
import { PEER_CURVE_ENV, phaseOf } from './allreduce-runtime.js';

const [address, sizesArg, repsArg, planeArg] = process.argv.slice(2);
const sizes = sizesArg!.split(',').map(Number);
const reps = Number(repsArg);
const liveness = { heartbeatMs: 500, timeoutMs: 60_000 };
const run = 'allreduce-bench';

const buffers = sizes.map((bytes) => new Float32Array(bytes / 4).fill(1));
// One segment with a region per size: the phases are the sizes.
const gradSizes = Object.fromEntries(sizes.map((b) => [phaseOf(b), b / 4]));
const planes = new WorkerPlanes();
const offer = await planes.offer({ gradSizes, sharedMemory: planeArg === 'shared', log: () => undefined });
const send = (m: Message) => link.send(m);
// The bench has no WELCOME: the star needs no rank, and the shared plane's rank is the place of
// this peer's segment in PLANE.
planes.admit({ run, rank: 0, worldSize: 1, send, timeoutMs: liveness.timeoutMs });

async function onStep(step: number): Promise<void> {
  const k = Math.floor(step / reps);
  const grads = buffers[k]!;
  planes.settle();
  const started = performance.now();
  const reduced = await planes.reduce(phaseOf(sizes[k]!) as 'd', step, grads, 1);
  const ms = performance.now() - started;
  if (reduced[0] !== 1 || reduced[reduced.length - 1] !== 1) throw new Error('wrong average');
  await link.send({ type: 'DONE', run, step, error: null, sampleCount: 1, losses: {}, computeMs: 0, reduceMs: ms });
}

const link: CoordinatorLink = new CoordinatorLink(address!, liveness, 2 ** 30, {
  message(m: Message) {
    if (m.type === 'STEP') onStep(m.step).catch((error: Error) => fail(error.message));
    else if (m.type === 'PLANE') {
      planes.admit({ run, rank: m.segments.indexOf(offer.shmPath!), worldSize: m.segments.length, send, timeoutMs: liveness.timeoutMs });
      planes.setUp(m, true);
    } else if (m.type === 'STOP') {
      link.close();
      planes.close();
      process.exit(0);
    } else if (planes.owns(m)) planes.deliver(m);
  },
  invalid: (reason) => fail(`peer got an invalid message: ${reason}`),
  gone: (error) => fail(error.message),
  refused: (error) => fail(error.message),
}, process.env[PEER_CURVE_ENV] ? JSON.parse(process.env[PEER_CURVE_ENV]) : null);

function fail(reason: string): never {
  process.stderr.write(`allreduce peer: ${reason}\n`);
  planes.close();
  process.exit(1);
}

link.start();
await link.send({ type: 'HELLO', run, configHash: null, manifestHash: null, backend: 'none', device: 'cpu', pid: process.pid, host: hostname(), ...offer });
