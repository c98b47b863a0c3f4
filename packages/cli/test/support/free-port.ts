// A TCP port nobody listens on right now, for a coordinator bound by a test (asked of the kernel,
// then released: another process could take it in between, which is rare enough for tests).
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
