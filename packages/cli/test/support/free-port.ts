// A TCP port nobody listens on right now, for a coordinator (or daemon) a test binds later.
// It is taken below the kernel's ephemeral range, from which the kernel hands out ports for
// `bind(0)` and for every outgoing connection: between this check and the test's bind (seconds,
// when torchrun or a Slurm daemon starts first), the other package's tests running beside this
// one (npm test runs two nx tasks at once) open connections by the hundred, and one of them could
// otherwise be given exactly this port. Below the range only another test picking the same
// random port could take it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port of the kernel's ephemeral range (Linux: ip_local_port_range). */
function ephemeralLow(): number {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return low;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port in [10000, the ephemeral range), with the port after it below the range too (torchrun's coordinator takes MASTER_PORT + 1). */
export async function freePort(): Promise<number> {
  const top = Math.max(ephemeralLow(), 20_000) - 1; // an unusually low range: any port above 10000 then
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (top - 10_000));
    if (await isFree(port)) return port;
  }
}
