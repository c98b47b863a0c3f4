// Where CURVE's cost goes, on the wire alone: one process sends frames of one size to another
// over tcp on loopback (a DEALER to a ROUTER, dgm's socket options), plaintext or CURVE, and the
// receiver times them; MB/s per frame size. libzmq encrypts each frame as one CURVE MESSAGE
// (XSalsa20-Poly1305, libsodium) on its I/O thread, copying it into a padded buffer first, and
// the receiver does the reverse: the cost per byte shows whether frame size matters.
//
//   npm run build && node tools/dist/bench/curve-wire.js [--rounds 3] [--mb 128]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Dealer, Router } from 'zeromq';
import { dealerOptions, routerOptions } from '@dgm/protocol';
import { newCurveKeyPair, secureClient, secureServer, type CurveClientKeys } from '@dgm/protocol/security';
import { readBenchArgs, wholeNumber } from './bench-args.js';
import { median } from './stats.js';

const SIZES = [65536, 1048576, 4194304, 16777216, 67108864];
const LIVENESS = { heartbeatMs: 500, timeoutMs: 120_000 };
const SELF = fileURLToPath(import.meta.url);
const USAGE = 'node tools/dist/bench/curve-wire.js [--rounds 3] [--mb 128]';

async function sender(address: string, bytes: number, count: number, keys: CurveClientKeys | null): Promise<void> {
  const dealer = new Dealer(dealerOptions(LIVENESS, 2 ** 30));
  if (keys) secureClient(dealer, keys);
  dealer.connect(address);
  const frame = Buffer.alloc(bytes, 7);
  await dealer.send(['ready']);
  await dealer.receive(); // go
  for (let i = 0; i < count; i++) await dealer.send([frame]);
  await dealer.receive(); // all received
  dealer.close();
}

/** MB/s of `count` frames of `bytes` from a child process, with or without CURVE. */
async function measure(bytes: number, count: number, curve: boolean): Promise<number> {
  const router = new Router(routerOptions(LIVENESS, 2 ** 30));
  const pair = curve ? newCurveKeyPair() : null;
  if (pair) await secureServer(router, { keyPair: pair, allow: [pair.publicKey] });
  await router.bind('tcp://127.0.0.1:*');
  const keys = pair ? JSON.stringify({ keyPair: pair, serverKey: pair.publicKey }) : '';
  const child = spawn(process.execPath, [SELF, 'send', router.lastEndpoint!, String(bytes), String(count), keys], { stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    const [id] = await router.receive();
    await router.send([id!, 'go']);
    const started = performance.now();
    for (let i = 0; i < count; i++) await router.receive();
    const sec = (performance.now() - started) / 1000;
    await router.send([id!, 'done']);
    await new Promise((resolve) => child.once('exit', resolve));
    return (bytes * count) / sec / 1e6;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    router.close();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'send') {
    const [, , , address, bytes, count, keys] = process.argv;
    await sender(address!, Number(bytes), Number(count), keys ? (JSON.parse(keys) as CurveClientKeys) : null);
    return;
  }
  const { values } = readBenchArgs({ usage: USAGE, config: { options: { rounds: { type: 'string', default: '3' }, mb: { type: 'string', default: '128' } } } });
  const rounds = wholeNumber(values.rounds, '--rounds', 1, 1000, 'a whole number of rounds from 1 to 1000');
  const total = wholeNumber(values.mb, '--mb', 1, 65_536, 'a whole number of MB per measurement from 1 to 65536') * 1e6;
  // tfjs (machine.ts) loads only after the flags are read: a mistake is answered at once.
  const { machineInfo } = await import('./machine.js');
  const machine = machineInfo();
  console.log(`machine: ${JSON.stringify(machine)}`);
  console.log(`\none-way tcp loopback, ${total / 1e6} MB per measurement, median of ${rounds} alternating rounds (MB/s)`);
  console.log('  frame       plain      CURVE   CURVE/plain');
  const rows: Record<string, unknown>[] = [];
  for (const bytes of SIZES) {
    const count = Math.max(2, Math.round(total / bytes));
    const plain: number[] = [];
    const curve: number[] = [];
    for (let r = 0; r < rounds; r++) {
      plain.push(await measure(bytes, count, false));
      curve.push(await measure(bytes, count, true));
    }
    const [p, c] = [median(plain), median(curve)];
    console.log(`  ${`${bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes / 1024} KB`}`.padEnd(8)}${p.toFixed(0).padStart(10)}${c.toFixed(0).padStart(11)}${(c / p).toFixed(3).padStart(14)}`);
    rows.push({ bytes, count, plainMBs: p, curveMBs: c, rounds: { plain, curve } });
  }
  console.log(JSON.stringify({ machine, date: new Date().toISOString(), wire: rows }));
  process.exit(0);
}

void main();
