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

/**
 * The address the job's workers dial: `tcp://<master>:<port>`, except that a master address
 * naming this host's loopback (a single-node job whose node name resolves to 127.0.1.1, as
 * Debian's /etc/hosts has it) is dialled as that IP. Whether a job must be closed with keys is
 * decided from this address, so a job that stays on loopback needs none. A name that does not
 * resolve (yet: a pod's DNS record can come late) is dialled by name and counts as remote.
 */
export async function masterConnectAddress(masterAddr: string, port: number): Promise<string> {
  const byName = `tcp://${masterAddr.includes(':') ? `[${masterAddr}]` : masterAddr}:${port}`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(masterAddr) || masterAddr.includes(':')) return byName;
  try {
    const { address } = await lookup(masterAddr, { family: 4 });
    return address.startsWith('127.') ? `tcp://${address}:${port}` : byName;
  } catch {
    return byName;
  }
}
