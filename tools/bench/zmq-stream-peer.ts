// One end of the raw ZeroMQ streaming measurement (cluster-limits.ts): `pull ADDRESS BYTES FRAME
// REPS` binds and receives REPS messages of BYTES in FRAME-sized frames, printing one JSON line of
// per-repetition seconds; `push ADDRESS BYTES FRAME REPS` connects and sends them. It is the
// ceiling any plane built on ZeroMQ sockets can reach between two hosts, so it is measured with
// nothing of dgm in the way: one socket pair, no codec, no copies but ZeroMQ's own.
import { Pull, Push } from 'zeromq';

const [role, address, bytesArg, frameArg, repsArg] = process.argv.slice(2);
const bytes = Number(bytesArg);
const frame = Number(frameArg);
const reps = Number(repsArg);
const frames = Math.ceil(bytes / frame);

if (role === 'pull') {
  const pull = new Pull({ receiveHighWaterMark: 0 });
  await pull.bind(address!);
  console.log(JSON.stringify({ ready: true }));
  const seconds: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    // The first repetition warms the connection up and is not counted. Each repetition starts
    // with a one-byte marker so that the timing starts when the sender starts, not at its first frame.
    await pull.receive();
    const start = process.hrtime.bigint();
    for (let f = 0; f < frames; f++) await pull.receive();
    if (r > 0) seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  console.log(JSON.stringify({ seconds }));
  pull.close();
} else if (role === 'push') {
  // linger -1: close waits until every frame is delivered (with a finite linger the tail is dropped).
  const push = new Push({ sendHighWaterMark: 0, linger: -1 });
  push.connect(address!);
  const payload = Buffer.alloc(frame, 1);
  for (let r = 0; r < reps + 1; r++) {
    await push.send(Buffer.alloc(1));
    for (let f = 0; f < frames; f++) await push.send(payload);
  }
  push.close();
} else {
  console.error('usage: zmq-stream-peer.js pull|push ADDRESS BYTES FRAME_BYTES REPS');
  process.exitCode = 2;
}
