// One rank of the all-reduce benchmark (a separate process, as a worker is), on the worker's own
// code path: the CoordinatorLink (DEALER, validation) and the data planes' worker side that
// training uses (@dgm/plane's WorkerPlanes: the star's RemoteReducer until a PLANE sets up the
// shared-memory plane or a RING the hierarchical one). On each STEP it first averages a tiny
// buffer with the other ranks (a barrier, as the gloo script's dist.barrier()), then reduces its
// buffer and reports in DONE how long that took. A STEP's `epoch` names the size it is for (its index in the list),
// so the coordinator side may give each size its own number of warm-up calls.
//   node allreduce-peer.js <address> <bytes,bytes,...> <star|shared|hierarchical>
// The hierarchical plane binds its ring socket (any free port) on the interface toward <address>,
// as a worker does: on the simulated cluster, the host's own link.
import { hostname } from 'node:os';
import { RING_TRANSPORTS, WorkerPlanes, type RingTransport } from '@dgm/plane';
import type { Message } from '@dgm/protocol';
import { CoordinatorLink } from '@dgm/worker/bench';
import { BARRIER_FLOATS, BARRIER_PHASE, PEER_CURVE_ENV, PEER_RING_TRANSPORT_ENV, phaseOf } from './allreduce-runtime.js';

const [address, sizesArg, planeArg] = process.argv.slice(2);
const sizes = sizesArg!.split(',').map(Number);
const liveness = { heartbeatMs: 500, timeoutMs: 60_000 };
const run = 'allreduce-bench';

const buffers = sizes.map((bytes) => new Float32Array(bytes / 4).fill(1));
const barrier = new Float32Array(BARRIER_FLOATS).fill(1);
// One segment with a region per size (the phases are the sizes) and one for the barrier.
const gradSizes = { ...Object.fromEntries(sizes.map((b) => [phaseOf(b), b / 4])), [BARRIER_PHASE]: BARRIER_FLOATS };
const transportArg = process.env[PEER_RING_TRANSPORT_ENV] ?? 'tcp';
if (!(RING_TRANSPORTS as readonly string[]).includes(transportArg)) fail(`${PEER_RING_TRANSPORT_ENV}='${transportArg}' is not a ring transport: give ${RING_TRANSPORTS.join(' or ')}`);
const ringTransport = transportArg as RingTransport;
const planes = new WorkerPlanes();
const offer = await planes.offer({
  gradSizes,
  sharedMemory: planeArg === 'shared' || planeArg === 'hierarchical',
  ...(planeArg === 'hierarchical' ? { coordinator: address!, keyPair: null, ringPorts: '*', ringTransport } : {}),
  log: () => undefined,
});
if (planeArg === 'hierarchical' && !offer.ringAddress) fail(`no ring socket could be bound toward ${address}`);
const send = (m: Message) => link.send(m);
// The bench has no WELCOME: the star needs no rank, and on the other planes the rank is the place
// of this peer's segment in PLANE (one host) or of its ring socket in RING (each host has its own
// /dev/shm, so segment paths alone may repeat between hosts; ring addresses never do).
planes.admit({ run, rank: 0, worldSize: 1, send, timeoutMs: liveness.timeoutMs });

async function onStep(step: number, k: number): Promise<void> {
  const grads = buffers[k];
  if (!grads) fail(`a STEP for size ${k} of ${sizes.length}`);
  planes.settle();
  // All ranks start the timed call together (allreduce-runtime.ts, BARRIER_PHASE).
  await planes.reduce(BARRIER_PHASE as 'd', step, barrier, 1);
  const started = performance.now();
  const reduced = await planes.reduce(phaseOf(sizes[k]!) as 'd', step, grads, 1);
  const ms = performance.now() - started;
  // Every rank gives ones, so the average is one: exactly in fp32 for 2 and 4 ranks (weights 1/n
  // are exact), within the wire format's rounding otherwise.
  for (const v of [reduced[0]!, reduced[reduced.length - 1]!]) if (Math.abs(v - 1) > 1e-2) throw new Error(`wrong average ${v}`);
  await link.send({ type: 'DONE', run, step, error: null, sampleCount: 1, losses: {}, computeMs: 0, reduceMs: ms });
}

function setUp(m: Message, rank: number, worldSize: number): void {
  planes.admit({ run, rank, worldSize, send, timeoutMs: liveness.timeoutMs, linkTimeoutMs: liveness.timeoutMs });
  planes.setUp(m, true);
}

const link: CoordinatorLink = new CoordinatorLink(address!, liveness, 2 ** 30, {
  message(m: Message) {
    if (m.type === 'STEP') onStep(m.step, m.epoch).catch((error: Error) => fail(error.message));
    else if (m.type === 'PLANE') setUp(m, m.segments.indexOf(offer.shmPath!), m.segments.length);
    else if (m.type === 'RING') setUp(m, m.addresses.indexOf(offer.ringAddress!), m.addresses.length);
    else if (m.type === 'STOP') {
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
  process.stderr.write(`allreduce peer on ${hostname()}: ${reason}\n`);
  planes.close();
  process.exit(1);
}

link.start();
// A coordinator that goes silent or away (its process ended before this one heard STOP) ends this
// peer within the timeout instead of leaving it waiting for ever.
link.watch();
await link.send({ type: 'HELLO', run, configHash: null, manifestHash: null, backend: 'none', device: 'cpu', pid: process.pid, host: hostname(), ...offer });
