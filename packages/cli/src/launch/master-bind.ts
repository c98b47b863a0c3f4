// Rank 0's coordinator listens on the master address's own interface, never on 0.0.0.0: the
// address every other rank was told to connect to. ZeroMQ binds numeric addresses only, so a host
// name is resolved first, and an address that is not this host's is the placement's mistake
// (rank 0 started elsewhere than the engine says), not something to bind around.
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces } from 'node:os';
import { UsageError } from '../errors.js';

function isLocal(ip: string): boolean {
  if (ip.startsWith('127.')) return true;
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((a) => a.address === ip));
}

/** `tcp://<ip>:<port>` on this host for the master address. Throws UsageError when it is not this host's. */
export async function masterBindAddress(masterAddr: string, port: number): Promise<string> {
  let ip: string;
  try {
    ip = /^\d+\.\d+\.\d+\.\d+$/.test(masterAddr) ? masterAddr : (await lookup(masterAddr, { family: 4 })).address;
  } catch {
    throw new UsageError(`the master address '${masterAddr}' does not resolve to an IPv4 address on rank 0's host ${hostname()}.`);
  }
  if (!isLocal(ip)) {
    throw new UsageError(`rank 0 runs on ${hostname()}, but the master address '${masterAddr}' (${ip}) is not one of its addresses; rank 0 must run where the engine says the master is.`);
  }
  return `tcp://${ip}:${port}`;
}
