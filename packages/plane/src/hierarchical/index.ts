// The hierarchical plane: workers on several hosts average through shared memory inside each
// host and parallel rings between hosts (ring-reducer.ts), talking to their ring neighbours
// directly (ring-link.ts: plain TCP on a keyless run, ZeroMQ with CURVE on a closed one;
// ring-socket.ts binds either) and to their local peers over the shared
// plane's turn sockets (PeerTurns); the coordinator only sends the setup (RING) and sees nothing
// of the phases: it carries no gradient byte and is no barrier.
import type { RingMessage } from '@dgm/protocol';
import { OutOfTurnError, type PlaneDefinition, type PlaneMember, type WorkerPreparation } from '../api.js';
import { NoTurns } from '../shared/no-turns.js';
import { PeerTurns } from '../shared/peer-turns.js';
import { isSegmentPath, PeerSegment, type OwnSegment, type SegmentLayout } from '../shared/segment.js';
import type { RingLink, RingPeer } from './ring-link.js';
import { TcpRingLink } from './tcp-ring-link.js';
import { ZmqRingLink } from './zmq-ring-link.js';
import { CHUNK_FLOATS, RingReducer } from './ring-reducer.js';
import { parsePortRange } from '../names.js';
import { addressToward, bindRing, releaseRing, type BoundRing } from './ring-socket.js';
import { hostIndices, topologyOf, unevenHosts } from './topology.js';
import type { CurveKeyPair } from '@dgm/protocol/security';

/** A worker's ring socket, bound before HELLO, and the shared plane's segment it builds on. */
interface RingPreparation extends WorkerPreparation {
  ring: BoundRing;
  keyPair: CurveKeyPair | null;
  segment: { own: OwnSegment; layout: SegmentLayout };
}

/** Largest ring frame over ZeroMQ: a chunk of fp32 plus slack (ring-reducer's CHUNK_FLOATS). */
const MAX_RING_FRAME = 1 << 20;
/** Largest payload over plain TCP: exactly a chunk of fp32 (the link keeps receive buffers of this size). */
const MAX_TCP_PAYLOAD = CHUNK_FLOATS * 4;

function unavailable(members: readonly PlaneMember[]): string | null {
  const without = members.filter((m) => !m.shm || !m.ring).map((m) => `rank ${m.rank} (${m.host})`);
  if (without.length > 0) {
    return `data plane 'hierarchical' needs a shared-memory segment and a ring socket from every worker, and ${without.join(', ')} offered none (no writable /dev/shm, --no-shared-memory, or a coordinator address without an IPv4 route); use 'auto' or 'star'.`;
  }
  const keyed = new Set(members.map((m) => m.ring!.key !== null));
  if (keyed.size > 1) return "data plane 'hierarchical' needs every worker with CURVE keys or every worker without; use 'auto' or 'star'.";
  const why = unevenHosts(hostIndices(members));
  return why === null ? null : `data plane 'hierarchical' cannot serve these workers: ${why}; use 'auto' or 'star'.`;
}

export const hierarchicalPlane: PlaneDefinition = {
  name: 'hierarchical',
  toCoordinator: [],
  toWorker: [],
  setupKind: 'RING',
  unavailable,
  setup(run, members, options) {
    const byRank = [...members].sort((a, b) => a.rank - b.rank);
    const keys = byRank.map((m) => m.ring!.key);
    return {
      type: 'RING',
      run,
      hosts: hostIndices(byRank),
      hostNames: byRank.map((m) => m.host),
      segments: byRank.map((m) => m.shm!.path),
      addresses: byRank.map((m) => m.ring!.address),
      keys: keys.every((k) => k !== null) ? (keys as string[]) : [],
      wire: options?.wire ?? 'fp32',
    };
  },
  // The workers decide every turn among themselves (local TURNs, counts on the ring's chunks).
  coordinatorEnd: () => new NoTurns('hierarchical'),

  async prepare({ coordinator, keyPair, ringPorts, ringTransport, segment, log }) {
    const seg = segment as (WorkerPreparation & { own: OwnSegment; layout: SegmentLayout }) | null | undefined;
    if (!seg || !coordinator) return null;
    const ip = await addressToward(coordinator);
    if (ip === null) {
      log('no ring socket offered: the coordinator address has no IPv4 route', { coordinator });
      return null;
    }
    let ring: BoundRing;
    try {
      // A run with keys needs CURVE, which only the ZeroMQ transport has.
      const transport = keyPair ? 'zeromq' : (ringTransport ?? 'tcp');
      ring = await bindRing(ip, parsePortRange(ringPorts ?? '*') ?? { any: true }, transport, keyPair ?? null, MAX_RING_FRAME, 60_000);
    } catch (error) {
      // Not fatal: without a ring socket this worker offers none, and the run averages through the star.
      log(`no ring socket offered: ${(error as Error).message}`, { ip, ringPorts });
      return null;
    }
    // Said once per run: the port to open between hosts, and what carries the chunks through it.
    log(`ring socket at ${ring.address} (${ring.transport === 'tcp' ? 'plain TCP' : keyPair ? 'ZeroMQ with CURVE' : 'ZeroMQ'})`, { address: ring.address, transport: ring.transport });
    const prepared: RingPreparation = {
      ring,
      keyPair: keyPair ?? null,
      segment: { own: seg.own, layout: seg.layout },
      offer: { ring: { address: ring.address, key: keyPair?.publicKey ?? null } },
      release: () => releaseRing(ring), // the segment is the shared plane's to release
    };
    return prepared;
  },

  workerEnd(context, setup, prepared) {
    const p = prepared as RingPreparation | null;
    if (setup?.type !== 'RING') throw new OutOfTurnError('the hierarchical plane is set up by RING');
    const m: RingMessage = setup;
    // A worker's place is where the setup names its segment (its position among the members after an elastic run's change).
    const rank = p ? m.segments.indexOf(p.segment.own.path) : -1;
    if (!p || rank < 0 || m.addresses[rank] !== p.ring.address || new Set(m.segments).size !== m.segments.length || unevenHosts(m.hosts) !== null || !m.segments.every((s) => isSegmentPath(s))) {
      throw new OutOfTurnError(`a RING that does not name this worker's segment and ring socket once, or an impossible layout (${m.hosts.length} ranks)`);
    }
    if ((m.keys.length > 0) !== (p.keyPair !== null)) throw new OutOfTurnError('a RING whose keys do not match whether this worker has keys');
    const topology = topologyOf(m.hosts, rank);
    const { ringRanks, hostIndex, hostCount, localRanks } = topology;
    const peer = (r: number): RingPeer => ({ rank: r, host: m.hostNames[r]!, address: m.addresses[r]!, key: m.keys[r] ?? null });
    const prev = peer(ringRanks[(hostIndex + hostCount - 1) % hostCount]!);
    const next = peer(ringRanks[(hostIndex + 1) % hostCount]!);
    if (prev.key && p.ring.transport === 'zeromq') p.ring.allow!.admit([prev.key]);
    const peers: (PeerSegment | null)[] = [];
    try {
      localRanks.forEach((r) => peers.push(r === rank ? null : PeerSegment.open(m.segments[r]!, p.segment.layout.bytes, r)));
    } catch (error) {
      peers.forEach((s) => s?.close());
      throw error;
    }
    const linkTimeoutMs = context.linkTimeoutMs ?? context.timeoutMs;
    const link: RingLink =
      p.ring.transport === 'tcp'
        ? new TcpRingLink(p.ring.listener, context.run, rank, prev, next, MAX_TCP_PAYLOAD, linkTimeoutMs)
        : new ZmqRingLink(p.ring.socket, prev, next, p.keyPair, linkTimeoutMs);
    // The stage turns among this host's ranks, by local index (their turn sockets beside their segments).
    const gradSizes = Object.fromEntries(Object.values(p.segment.layout.phases).map((r) => [r.phase, r.size]));
    const dropped = context.dropped ? (reason: string) => context.dropped!(reason) : undefined;
    const turns = localRanks.length > 1 ? new PeerTurns(context.run, topology.localIndex, localRanks.map((r) => m.segments[r]!), { run: context.run, gradSizes }, context.timeoutMs, dropped) : null;
    return new RingReducer(topology, p.segment.own, peers, p.segment.layout, link, m.wire, turns);
  },
};
