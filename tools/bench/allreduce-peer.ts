// One rank of the all-reduce benchmark (a separate process, as a worker is), on the worker's own
// code path: the CoordinatorLink (DEALER, validation) and the RemoteReducer that training uses.
// On each STEP it reduces its buffer (GRADS out in chunks, REDUCED chunks gathered) and reports
// in DONE how long that took.
//   node allreduce-peer.js <address> <bytes,bytes,...> <repetitions incl. warm-up>
import { CoordinatorLink, RemoteReducer } from '@dgm/worker';
import type { Message } from '@dgm/protocol';

const [address, sizesArg, repsArg] = process.argv.slice(2);
const sizes = sizesArg!.split(',').map(Number);
const reps = Number(repsArg);
const liveness = { heartbeatMs: 500, timeoutMs: 60_000 };
const run = 'allreduce-bench';

let reducer: RemoteReducer;
const buffers = sizes.map((bytes) => new Float32Array(bytes / 4).fill(1));

async function onStep(step: number): Promise<void> {
  const grads = buffers[Math.floor(step / reps)]!;
  const started = performance.now();
  const reduced = await reducer.reduce('d', step, grads, 1);
  const ms = performance.now() - started;
  if (reduced[0] !== 1 || reduced[reduced.length - 1] !== 1) throw new Error('wrong average');
  await link.send({ type: 'DONE', run, step, error: null, sampleCount: 1, losses: {}, computeMs: 0, reduceMs: ms });
}

const link: CoordinatorLink = new CoordinatorLink(address!, liveness, 2 ** 30, {
  message(m: Message) {
    if (m.type === 'STEP') onStep(m.step).catch((error: Error) => fail(error.message));
    else if (m.type === 'REDUCED') reducer.deliver(m);
    else if (m.type === 'STOP') {
      link.close();
      process.exit(0);
    }
  },
  invalid: (reason) => fail(`peer got an invalid message: ${reason}`),
  gone: (error) => fail(error.message),
});

function fail(reason: string): never {
  process.stderr.write(`allreduce peer: ${reason}\n`);
  process.exit(1);
}

reducer = new RemoteReducer(run, (m) => link.send(m), liveness.timeoutMs);
link.start();
await link.send({ type: 'HEARTBEAT', run });
