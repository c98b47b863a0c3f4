// Endpoint addresses the runtime accepts: checked up front so a typo is one clear sentence
// instead of a libzmq errno.
import { DgmInputError } from '@dgm/core/errors';

/** An endpoint string that is not tcp://host:port or ipc://path (the caller's input: CLI exit 2). */
export class AddressError extends DgmInputError {
  override name = 'AddressError';
}

/** Throws AddressError unless `address` is `tcp://host:port` (port may be `*` to bind) or `ipc://path`. */
export function checkAddress(address: string, role: 'bind' | 'connect'): string {
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.*-]+):(\d{1,5}|\*)$/.exec(address);
  if (tcp) {
    const port = tcp[2];
    if (port === '*' && role === 'connect') throw new AddressError(`address '${address}' needs a port number to connect to`);
    if (port !== '*' && (Number(port) < 1 || Number(port) > 65535)) throw new AddressError(`address '${address}' has port ${port}; allowed is 1..65535`);
    return address;
  }
  if (/^ipc:\/\/.+/.test(address)) return address;
  throw new AddressError(`address '${address}' is not allowed; use tcp://host:port or ipc://path`);
}
