// Serves the built page (dist/) at / and a dgm checkpoint directory at /checkpoint/, over plain
// HTTP on 127.0.0.1. `npm start -- <checkpoint dir> [port]` (after `npm run build`); the test
// starts it on a free port. Only files under the two folders are served; anything else is 404.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm', // instantiateStreaming needs exactly this type
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

/** The file under `root` that `relative` (URL-decoded, from a request) names, or null if it leaves root. */
function inside(root, relative) {
  const file = path.resolve(root, `.${path.posix.normalize(`/${relative}`)}`);
  return file === root || file.startsWith(`${root}${path.sep}`) ? file : null;
}

/**
 * Starts the server. `pageDir`: the built page; `checkpointDir`: a checkpoint directory
 * (runs/<name>/checkpoints/step-NNNNNN). Resolves with its URL and a close function.
 */
export async function startServer({ pageDir = path.join(here, 'dist'), checkpointDir, port = 0 }) {
  const roots = [
    ['/checkpoint/', path.resolve(checkpointDir)],
    ['/', path.resolve(pageDir)],
  ];
  const server = http.createServer(async (req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed URL\n');
      return;
    }
    const [prefix, root] = roots.find(([p]) => pathname.startsWith(p));
    let file = inside(root, pathname.slice(prefix.length));
    try {
      if (file !== null && (await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      if (file === null || !(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`${pathname} not found\n`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    // A file that vanishes between stat and read ends the response instead of the server.
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address();
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [given, port] = process.argv.slice(2);
  // `npm start -w` runs this in examples/browser; a relative path is the user's, from where npm ran.
  const checkpointDir = given === undefined ? undefined : path.resolve(process.env.INIT_CWD ?? process.cwd(), given);
  if (checkpointDir === undefined || !(await stat(checkpointDir).catch(() => null))?.isDirectory()) {
    console.error('Usage: npm start -- <checkpoint directory, e.g. runs/NAME/checkpoints/step-000100> [port]');
    process.exit(2);
  }
  const { url } = await startServer({ checkpointDir, port: port === undefined ? 8080 : Number(port) });
  console.log(`Open ${url} (Ctrl-C stops)`);
}
