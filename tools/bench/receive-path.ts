// What receiving the ring's traffic costs a process, apart from everything else a rank does: CPU
// seconds (user and system, every thread) per GiB of 256 KiB chunks received over loopback TCP
// and landed in WebAssembly memory, where the ring's kernels need them. Three receive paths:
//   zeromq         a PULL socket, each chunk copied into WebAssembly memory (ring-link.ts and
//                  ring-reducer.ts today), with glibc's default allocator settings;
//   zeromq-tuned   the same under the allocator settings a launched worker gets (allocator-env.ts);
//   net-into-wasm  a plain node:net socket whose reads land straight in WebAssembly memory
//                  (`onread` with a buffer per read): no allocation and no copy per chunk. What
//                  the ring of a keyless run does (tcp-ring-link.ts, which reads into reused
//                  buffers and copies each chunk once into the kernel's memory); a run with keys
//                  keeps ZeroMQ for its CURVE.
//   ring-tcp       that link itself (TcpRingLink, receiving from a TcpRingListener's connection):
//                  each chunk received by key, copied into WebAssembly memory and released, as
//                  the ring does; the sender writes the link's frames.
// The sender of each pair uses the same transport (and allocator settings) as its receiver.
//
//   node tools/dist/bench/receive-path.js [--mib 1024] [--rounds 3] [--json FILE]
//
// Each round runs every path once, in turn; prints medians over the rounds and one JSON line.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Pull, Push } from 'zeromq';
import { encodeFrameHeader, TcpRingLink, TcpRingListener } from '@dgm/plane/bench';
import { withAllocatorTunables } from '@dgm/worker/device';
import { readBenchArgs, refuse } from './bench-args.js';
import { median } from './stats.js';

const SELF = fileURLToPath(import.meta.url);
const USAGE = 'node tools/dist/bench/receive-path.js [--mib 1024] [--rounds 3] [--json FILE]';
/** The ring's chunk: CHUNK_FLOATS fp32 values, after a 24-byte header frame. */
const CHUNK = 256 * 1024;
const HEADER = 24;
const PATHS = ['zeromq', 'zeromq-tuned', 'net-into-wasm', 'ring-tcp'] as const;
/** The ring-tcp pair's run and ranks (the receiver says them in its HELLO). */
const RING = { run: 'receive-path', sender: 0, receiver: 1 };
type Path = (typeof PATHS)[number];

interface Cpu {
  userMs: number;
  systemMs: number;
}
interface Reading {
  receiver: Cpu & { wallMs: number };
  sender: Cpu;
}

const cpuSince = (start: NodeJS.CpuUsage): Cpu => {
  const d = process.cpuUsage(start);
  return { userMs: d.user / 1000, systemMs: d.system / 1000 };
};

/**
 * The receiving process: with ZeroMQ it binds and prints its address; over node:net it connects
 * to the sender's `address` (a client socket is what takes `onread`). Prints its reading once
 * `chunks` chunks are in.
 */
async function receive(path: Path, chunks: number, address: string | undefined): Promise<void> {
  const memory = new WebAssembly.Memory({ initial: (2 * CHUNK) / 65536 });
  const target = new Uint8Array(memory.buffer, 0, CHUNK);
  let start: NodeJS.CpuUsage | null = null;
  let t0 = 0;
  const begin = () => {
    start = process.cpuUsage();
    t0 = performance.now();
  };
  if (path === 'net-into-wasm') {
    const header = new Uint8Array(HEADER);
    let headerLeft = HEADER;
    let bodyLeft = CHUNK;
    let left = chunks;
    await new Promise<void>((resolve, reject) => {
      // Each read lands where the frame's next bytes belong: the header, then the chunk's target.
      const socket = createConnection({
        port: Number(address),
        host: '127.0.0.1',
        onread: {
          buffer: () => (headerLeft > 0 ? header.subarray(HEADER - headerLeft) : target.subarray(CHUNK - bodyLeft)),
          callback: (n: number) => {
            if (start === null) begin();
            if (headerLeft > 0) headerLeft -= n;
            else if ((bodyLeft -= n) === 0) {
              headerLeft = HEADER;
              bodyLeft = CHUNK;
              if (--left === 0) {
                socket.destroy();
                resolve();
              }
            }
            return true;
          },
        },
      });
      socket.once('error', reject);
    });
  } else if (path === 'ring-tcp') {
    // Its own listener is only there because a link has one (nobody connects: it only receives).
    const own = await TcpRingListener.listen('127.0.0.1', 0);
    const sender = { rank: RING.sender, host: 'sender', address: address!, key: null };
    const link = new TcpRingLink(own, RING.run, RING.receiver, sender, sender, CHUNK, 600_000);
    for (let i = 0; i < chunks; i++) {
      const chunk = await link.receive([0, 0, 0, 0, i]);
      if (start === null) begin();
      target.set(chunk.payload);
      link.release(chunk);
    }
    link.close();
    own.close();
  } else {
    const pull = new Pull({ receiveHighWaterMark: 1000, maxMessageSize: 2 * CHUNK });
    await pull.bind('tcp://127.0.0.1:*');
    console.log(pull.lastEndpoint);
    for (let i = 0; i < chunks; i++) {
      const [, payload] = await pull.receive();
      if (start === null) begin();
      target.set(payload!);
    }
    pull.close();
  }
  const wallMs = performance.now() - t0;
  console.log(JSON.stringify({ ...cpuSince(start!), wallMs }));
}

/**
 * The sending process: `chunks` chunks (over node:net it listens and prints its port first), then
 * its CPU from the first send until the parent says (a line on stdin) the receiver has them all:
 * ZeroMQ's I/O thread is still sending after the last send() resolved.
 */
async function send(path: Path, chunks: number, address: string | undefined): Promise<void> {
  let start = process.cpuUsage();
  const payload = new Uint8Array(CHUNK).fill(7);
  if (path === 'ring-tcp') {
    const listener = await TcpRingListener.listen('127.0.0.1', 0);
    console.log(listener.address);
    const socket = await listener.successor({ run: RING.run, from: RING.receiver, to: RING.sender }, 60_000, () => new Error('the receiver did not connect within 60 s'));
    socket.on('error', () => undefined); // the receiver closes its end once it has every chunk
    start = process.cpuUsage();
    for (let i = 0; i < chunks; i++) {
      // As TcpRingLink.send writes a frame: the header, then the payload (no cork).
      socket.write(encodeFrameHeader([0, 0, 0, 0, i], 1, CHUNK));
      const more = socket.write(payload);
      if (!more) await once(socket, 'drain');
    }
    listener.close();
  } else if (path === 'net-into-wasm') {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    console.log(String((server.address() as { port: number }).port));
    const [socket] = (await once(server, 'connection')) as [Socket];
    server.close();
    socket.setNoDelay(true);
    start = process.cpuUsage();
    for (let i = 0; i < chunks; i++) {
      socket.write(new Uint8Array(HEADER));
      if (!socket.write(payload)) await once(socket, 'drain');
    }
    socket.end();
    await once(socket, 'close');
  } else {
    const push = new Push({ sendHighWaterMark: 1000, linger: 60_000 });
    push.connect(address!);
    start = process.cpuUsage();
    for (let i = 0; i < chunks; i++) await push.send([new Uint8Array(HEADER), payload]);
  }
  await once(process.stdin, 'data');
  console.log(JSON.stringify(cpuSince(start)));
  process.exit(0); // the PUSH socket's linger would wait for nothing more
}

/** One line of JSON from a child's stdout (the last one), or a sentence naming what went wrong. */
function lastJson(text: string, who: string): Record<string, number> {
  const line = text.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, number>;
  } catch {
    throw new Error(`the ${who} printed no reading (its output ended with ${JSON.stringify(line.slice(-200))})`);
  }
}

/** Starts `role` for `path`; resolves with the process and the first line it prints (an address) when `listens`. */
function start(role: 'receive' | 'send', path: Path, chunks: number, env: NodeJS.ProcessEnv, address: string | null): { child: ReturnType<typeof spawn>; out: () => string; address: Promise<string> } {
  const child = spawn(process.execPath, [SELF, role, path, String(chunks), ...(address ? [address] : [])], { env, stdio: [role === 'send' ? 'pipe' : 'ignore', 'pipe', 'inherit'] });
  let text = '';
  const first = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`the ${path} ${role === 'receive' ? 'receiver' : 'sender'} exited (${code}) before it listened`)));
  });
  first.catch(() => undefined);
  return { child, out: () => text, address: first };
}

async function measure(path: Path, chunks: number): Promise<Reading> {
  const env: NodeJS.ProcessEnv = path === 'zeromq-tuned' ? withAllocatorTunables(process.env as Record<string, string>) : { ...process.env };
  if (path !== 'zeromq-tuned') delete env.GLIBC_TUNABLES;
  // The side that listens starts first: the receiver's PULL, or the sender's TCP server.
  const senderListens = path === 'net-into-wasm' || path === 'ring-tcp';
  const first = start(senderListens ? 'send' : 'receive', path, chunks, env, null);
  const second = start(senderListens ? 'receive' : 'send', path, chunks, env, await first.address);
  const [receiver, sender] = senderListens ? [second, first] : [first, second];
  const senderExit = once(sender.child, 'exit');
  const [rc] = await once(receiver.child, 'exit');
  sender.child.stdin!.end('the receiver has every chunk\n');
  const [sc] = await senderExit;
  if (rc !== 0 || sc !== 0) throw new Error(`the ${path} pair failed (receiver exit ${rc}, sender exit ${sc})`);
  return { receiver: lastJson(receiver.out(), `${path} receiver`) as unknown as Reading['receiver'], sender: lastJson(sender.out(), `${path} sender`) as unknown as Cpu };
}

async function main(): Promise<void> {
  const { values } = readBenchArgs({ usage: USAGE, config: { options: { mib: { type: 'string', default: '1024' }, rounds: { type: 'string', default: '3' }, json: { type: 'string' } } } });
  const mib = Number(values.mib);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(mib) || mib < 1 || mib > 65536 || !Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
    refuse('--mib must be a whole number of MiB from 1 to 65536 and --rounds a whole number from 1 to 100.');
  }
  // tfjs (machine.ts) loads only after the flags are read: a mistake is answered at once.
  const { machineInfo } = await import('./machine.js');
  const chunks = (mib * 2 ** 20) / CHUNK;
  const readings: Record<Path, Reading[]> = { zeromq: [], 'zeromq-tuned': [], 'net-into-wasm': [], 'ring-tcp': [] };
  for (let r = 0; r < rounds; r++) for (const path of PATHS) readings[path].push(await measure(path, chunks));
  const perGiB = (ms: number) => (ms / 1000) * (1024 / mib);
  console.log(`\n${mib} MiB in 256 KiB chunks over loopback TCP, ${rounds} rounds: medians, CPU seconds per GiB (every thread of the process)`);
  console.log('| path | receiver user | receiver system | receiver total | sender total | GiB/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const summary: Record<string, Record<string, number>> = {};
  for (const path of PATHS) {
    const rs = readings[path];
    const row = {
      receiverUser: perGiB(median(rs.map((x) => x.receiver.userMs))),
      receiverSystem: perGiB(median(rs.map((x) => x.receiver.systemMs))),
      receiverTotal: perGiB(median(rs.map((x) => x.receiver.userMs + x.receiver.systemMs))),
      senderTotal: perGiB(median(rs.map((x) => x.sender.userMs + x.sender.systemMs))),
      gibPerSecond: median(rs.map((x) => mib / 1024 / (x.receiver.wallMs / 1000))),
    };
    summary[path] = row;
    console.log(`| ${path} | ${row.receiverUser.toFixed(2)} | ${row.receiverSystem.toFixed(2)} | ${row.receiverTotal.toFixed(2)} | ${row.senderTotal.toFixed(2)} | ${row.gibPerSecond.toFixed(2)} |`);
  }
  const report = { machine: machineInfo(), date: new Date().toISOString(), mib, rounds, summary, readings };
  console.log(JSON.stringify(report));
  if (values.json) await writeFile(values.json, JSON.stringify(report) + '\n');
}

const [role, path, chunks, address] = process.argv.slice(2);
if (role === 'receive') await receive(path as Path, Number(chunks), address);
else if (role === 'send') await send(path as Path, Number(chunks), address);
else await main();
