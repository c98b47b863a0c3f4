// A worker's ring socket (hierarchical plane), bound before HELLO on the interface that reaches
// the coordinator, at a port of the run's range, in one of two transports (ring-link.ts):
//   zeromq  a PULL socket; its predecessor connects a PUSH to it once the setup names who is
//           whose neighbour. With keys it is a CURVE server admitting only the key of the
//           neighbour the setup names (ServerAllowList: bound before the neighbour is known).
//   tcp     a plain TCP listener (keyless runs); its successor connects to it and receives.
import { createSocket } from 'node:dgram';
import { Pull } from 'zeromq';
import { secureServer, type CurveKeyPair, type ServerAllowList } from '@dgm/protocol/security';
import type { PortRange, RingTransport } from '../names.js';
import { TcpRingListener } from './tcp-ring-listener.js';

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

export type BoundRing =
  | {
      transport: 'zeromq';
      socket: Pull;
      /** tcp://IP:PORT as peers connect to it. */
      address: string;
      /** Null without keys. */
      allow: ServerAllowList | null;
    }
  | { transport: 'tcp'; listener: TcpRingListener; address: string };

/**
 * Binds a ring socket at `ip` on a port of `ports`. Over ZeroMQ with a key pair it is a CURVE
 * server (admitting nobody yet but itself); plain TCP is for keyless runs only.
 */
export async function bindRing(ip: string, ports: PortRange, transport: RingTransport, keyPair: CurveKeyPair | null, maxMessageBytes: number, timeoutMs: number): Promise<BoundRing> {
  if (transport === 'tcp' && keyPair) throw new Error('a ring on plain TCP has no CURVE: a run with keys uses ZeroMQ');
  const candidates = ports.any ? [0] : Array.from({ length: ports.high - ports.low + 1 }, (_, i) => ports.low + i);
  let lastError: Error | null = null;
  for (const port of candidates) {
    try {
      if (transport === 'tcp') {
        const listener = await TcpRingListener.listen(ip, port);
        return { transport, listener, address: listener.address };
      }
      return await bindPull(ip, port, keyPair, maxMessageBytes, timeoutMs);
    } catch (error) {
      lastError = error as Error;
    }
  }
  const range = ports.any ? 'any port' : `ports ${ports.low}-${ports.high}`;
  throw new RingPortsError(`no ring socket could be bound at ${ip} on ${range} (${lastError?.message ?? 'no port'}); free one or give another range with --ring-ports.`);
}

async function bindPull(ip: string, port: number, keyPair: CurveKeyPair | null, maxMessageBytes: number, timeoutMs: number): Promise<BoundRing> {
  const socket = new Pull({ linger: 0, receiveHighWaterMark: 1000, maxMessageSize: maxMessageBytes, heartbeatInterval: Math.max(100, Math.floor(timeoutMs / 4)), heartbeatTimeout: timeoutMs, heartbeatTimeToLive: timeoutMs });
  try {
    const allow = keyPair ? await secureServer(socket, { keyPair, allow: [keyPair.publicKey] }) : null;
    await socket.bind(`tcp://${ip}:${port === 0 ? '*' : port}`);
    return { transport: 'zeromq', socket, address: socket.lastEndpoint!, allow };
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** Stops listening (the links made from it close their own connections). */
export function releaseRing(ring: BoundRing): void {
  if (ring.transport === 'zeromq') ring.socket.close();
  else ring.listener.close();
}
