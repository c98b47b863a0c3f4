// One rank of the all-reduce benchmark (a separate process, as a worker is): for every size and
// repetition it waits for the go signal, sends its buffer as GRADS, waits for the REDUCED, and
// reports how long that took in DONE. Uses the runtime's own codec and socket presets.
//   node allreduce-peer.js <address> <bytes,bytes,...> <repetitions incl. warm-up>
import { Dealer } from 'zeromq';
import { dealerOptions, decodeMessage, encodeMessage } from '@dgm/protocol';

const [address, sizesArg, repsArg] = process.argv.slice(2);
const sizes = sizesArg!.split(',').map(Number);
const reps = Number(repsArg);
const liveness = { heartbeatMs: 500, timeoutMs: 60_000 };
const socket = new Dealer(dealerOptions(liveness, 2 ** 30));
socket.connect(address!);
const run = 'allreduce-bench';

async function next(type: string): Promise<ReturnType<typeof decodeMessage>> {
  for (;;) {
    const r = decodeMessage(await socket.receive());
    if (!r.ok) throw new Error(`peer got an invalid message: ${r.reason}`);
    if (r.message.type === 'STOP') process.exit(0);
    if (r.message.type === type) return r;
  }
}

await socket.send(encodeMessage({ type: 'HEARTBEAT', run }));
let iteration = 0;
for (const bytes of sizes) {
  const grads = new Float32Array(bytes / 4).fill(1);
  for (let rep = 0; rep < reps; rep++, iteration++) {
    await next('HEARTBEAT'); // go
    const started = performance.now();
    await socket.send(encodeMessage({ type: 'GRADS', run, step: iteration, phase: 'x', sampleCount: 1, grads }));
    const reply = await next('REDUCED');
    const ms = performance.now() - started;
    if (reply.ok && reply.message.type === 'REDUCED' && reply.message.grads[0] !== 1) throw new Error('wrong average');
    await socket.send(encodeMessage({ type: 'DONE', run, step: iteration, error: null, sampleCount: 1, losses: {}, computeMs: 0, reduceMs: ms }));
  }
}
await next('STOP');
