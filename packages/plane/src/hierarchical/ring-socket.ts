// A worker's ring socket (hierarchical plane): one PULL socket bound before HELLO on the interface
// that reaches the coordinator, at a port of the run's range; its neighbour connects a PUSH to it
// once the setup names who is whose neighbour. With keys it is a CURVE server admitting only the
// key of the neighbour the setup names (ServerAllowList: bound before the neighbour is known).
import { createSocket } from 'node:dgram';
import { Pull } from 'zeromq';
import { secureServer, type CurveKeyPair, type ServerAllowList } from '@dgm/protocol/security';
import type { PortRange } from '../names.js';

/** No ring socket could be bound (every port of the range taken). */
export class RingPortsError extends Error {
  override name = 'RingPortsError';
}

/**
 * The IPv4 address of the interface this host uses to reach `coordinator` (tcp://HOST:PORT):
 * a connected UDP socket picks the route without sending a byte. Null for ipc:// or on failure.
 */
export async function addressToward(coordinator: string): Promise<string | null> {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(coordinator);
  if (!m || m[1]!.startsWith('[')) return null;
  const socket = createSocket('udp4');
  try {
    return await new Promise<string | null>((resolve) => {
      socket.once('error', () => resolve(null));
      socket.connect(Number(m[2]), m[1]!, () => {
        try {
          const a = socket.address().address;
          resolve(/^\d+\.\d+\.\d+\.\d+$/.test(a) && a !== '0.0.0.0' ? a : null);
        } catch {
          resolve(null);
        }
      });
    });
  } finally {
    socket.close();
  }
}

export interface BoundRing {
  socket: Pull;
  /** tcp://IP:PORT as peers connect to it. */
  address: string;
  /** Null without keys. */
  allow: ServerAllowList | null;
}

/** Binds a PULL at `ip` on a port of `ports`; with a key pair it is a CURVE server (admitting nobody yet but itself). */
export async function bindRing(ip: string, ports: PortRange, keyPair: CurveKeyPair | null, maxMessageBytes: number, timeoutMs: number): Promise<BoundRing> {
  const candidates = ports.any ? [0] : Array.from({ length: ports.high - ports.low + 1 }, (_, i) => ports.low + i);
  let lastError: Error | null = null;
  for (const port of candidates) {
    const socket = new Pull({ linger: 0, receiveHighWaterMark: 1000, maxMessageSize: maxMessageBytes, heartbeatInterval: Math.max(100, Math.floor(timeoutMs / 4)), heartbeatTimeout: timeoutMs, heartbeatTimeToLive: timeoutMs });
    try {
      const allow = keyPair ? await secureServer(socket, { keyPair, allow: [keyPair.publicKey] }) : null;
      await socket.bind(`tcp://${ip}:${port === 0 ? '*' : port}`);
      return { socket, address: socket.lastEndpoint!, allow };
    } catch (error) {
      socket.close();
      lastError = error as Error;
    }
  }
  const range = ports.any ? 'any port' : `ports ${ports.low}-${ports.high}`;
  throw new RingPortsError(`no ring socket could be bound at ${ip} on ${range} (${lastError?.message ?? 'no port'}); free one or give another range with --ring-ports.`);
}
