// The coordinator side of cluster-allreduce.ts, run on the simulated cluster's first host (as a
// run's coordinator sits on one of its hosts, so the star's bytes cross that host's link): the
// same runtimeAllReduce as the one-host bench, bound on the host's address. The peers run on the
// hosts, started by the bench (only the root namespace can enter other hosts): this process prints
// their arguments as one JSON line ({"peerArgs": [...]}) once bound, then the rows ({"rows": [...]}).
//   node cluster-allreduce-coordinator.js <host address> <n> <bytes,...> <reps> <warmup> <warmup bytes> <plane> <wire>
import { WIRE_CHOICES, type WireChoice } from '@dgm/plane';
import { runtimeAllReduce, type Plane } from './allreduce-runtime.js';

const [address, n, sizes, reps, warmup, warmupBytes, plane, wire] = process.argv.slice(2);
if (!WIRE_CHOICES.includes(wire as WireChoice)) throw new Error(`wire '${wire}' is not one of ${WIRE_CHOICES.join(', ')}`);
const rows = await runtimeAllReduce(Number(n), sizes!.split(',').map(Number), Number(reps), Number(warmup), plane as Plane, {
  bind: `tcp://${address}:*`,
  wire: wire as WireChoice,
  warmupBytes: Number(warmupBytes),
  start(peerArgs) {
    console.log(JSON.stringify({ peerArgs }));
    return [];
  },
});
console.log(JSON.stringify({ rows }));
process.exit(0);
