// Who is where on the hierarchical plane, computed the same way by the coordinator (from the
// HELLO offers: a host is a shared-memory filesystem, as the shared plane tells them apart) and
// by each worker (from RING's host index per rank).
import type { PlaneMember } from '../api.js';

/** A worker's place: its host among H, its local index among L, and its ring (same local index on every host). */
export interface RingTopology {
  worldSize: number;
  hostCount: number;
  hostIndex: number;
  /** Global ranks on this host, ascending; `localIndex` is this rank's position. */
  localRanks: number[];
  localIndex: number;
  /** The ranks of this rank's ring, by host index. */
  ringRanks: number[];
}

/** Host index per rank: hosts numbered in the order of their lowest rank (members by rank). */
export function hostIndices(members: readonly PlaneMember[]): number[] {
  const order = new Map<string, number>();
  return [...members].sort((a, b) => a.rank - b.rank).map((m) => {
    const id = m.shm!.id;
    if (!order.has(id)) order.set(id, order.size);
    return order.get(id)!;
  });
}

/** Why these host indices cannot carry rings (one sentence), or null. */
export function unevenHosts(hosts: readonly number[]): string | null {
  const sizes = new Map<number, number>();
  for (const h of hosts) sizes.set(h, (sizes.get(h) ?? 0) + 1);
  const counts = [...sizes.values()];
  if (sizes.size < 2) return 'the workers are on one host';
  if ([...sizes.keys()].some((h) => h >= sizes.size)) return 'host indices are not 0..H-1';
  if (counts.some((c) => c !== counts[0])) return `the hosts have different numbers of workers (${counts.join(', ')}): one ring per local rank needs the same number on every host`;
  return null;
}

/** The topology of `rank` from the host index of every rank (checked with unevenHosts first). */
export function topologyOf(hosts: readonly number[], rank: number): RingTopology {
  const hostIndex = hosts[rank]!;
  const localRanks = hosts.flatMap((h, r) => (h === hostIndex ? [r] : []));
  const localIndex = localRanks.indexOf(rank);
  const hostCount = new Set(hosts).size;
  const ringRanks = Array.from({ length: hostCount }, (_, h) => hosts.flatMap((hh, r) => (hh === h ? [r] : []))[localIndex]!);
  return { worldSize: hosts.length, hostCount, hostIndex, localRanks, localIndex, ringRanks };
}
