// ZeroMQ endpoints given on the command line (--bind, --connect).
import { UsageError } from '../errors.js';
import { describeSource, type ValueSource } from './fields.js';

/**
 * Checks `tcp://host:port` (a bind address may use port *: any free port, reported when
 * listening) or `ipc://<path>` (a socket file: coordinator and workers on one host; the
 * benchmarks use it).
 */
export function validateEndpoint(address: string, source: ValueSource, role: 'bind' | 'connect' = 'connect'): void {
  if (/^ipc:\/\/\S+$/.test(address)) return;
  const m = /^tcp:\/\/([^:/\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5}|\*)$/.exec(address);
  const port = m ? (m[2] === '*' && role === 'bind' ? 1 : Number(m[2])) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new UsageError(
      `${describeSource(source)} must be an address like tcp://0.0.0.0:5555 (tcp://host:port, port 1-65535; or ipc://<path> on one host), got '${address}'.`,
    );
  }
}
