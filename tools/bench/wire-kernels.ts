// The ring's wire conversions alone (`--wire bf16|fp16`): wire-codec.ts's JavaScript loops against
// the WebAssembly SIMD kernels, on views of WebAssembly memory as the ring has them.
//
//   node tools/dist/bench/wire-kernels.js [--values 4194304] [--rounds 7] [--json FILE]
//
// Each round times one call of every variant, after 3 warm-up calls each; prints the median and
// fastest ms per call over the rounds and one JSON line.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Bf16Kernel, decodeChunk, encodeHalves, Fp16Kernel, WeightedSum } from '@dgm/plane/bench';
import { readBenchArgs, refuse } from './bench-args.js';
import { median } from './stats.js';

const USAGE = 'node tools/dist/bench/wire-kernels.js [--values 4194304] [--rounds 7] [--json FILE]';
const { values: flags } = readBenchArgs({ usage: USAGE, config: { options: { values: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'string' } } } });
const n = Number(flags.values ?? 4 * 1024 * 1024);
const rounds = Number(flags.rounds ?? 7);
if (!Number.isInteger(n) || n < 4 || n % 4 !== 0 || !Number.isInteger(rounds) || rounds < 1) {
  refuse('--values must be a positive multiple of 4 and --rounds a positive integer.');
}

// The ring's memory: output, operand a (and b), then encode buffer and received halves in scratch.
const sum = new WeightedSum(n, n, 1, 4 * n + 32);
const halves = new Uint16Array(sum.memory.buffer, sum.scratch.byteOffset, n);
const received = new Uint16Array(sum.memory.buffer, sum.scratch.byteOffset + 2 * n + 16, n);
const receivedBytes = new Uint8Array(received.buffer, received.byteOffset, 2 * n);
let seed = 1;
for (let i = 0; i < n; i++) sum.out[i] = ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 31 - 1) * 0.01;
encodeHalves(sum.out, 'fp16', received);
const out = sum.out.byteOffset;
const bf16 = new Bf16Kernel(sum.memory);
const fp16 = new Fp16Kernel(sum.memory);

const variants: Record<string, () => void> = {
  'fp16 encode, JavaScript': () => encodeHalves(sum.out, 'fp16', halves),
  'fp16 encode, SIMD': () => fp16.encode(out, halves.byteOffset, n),
  'fp16 decode, JavaScript': () => decodeChunk(receivedBytes, 'fp16', sum.a),
  'fp16 decode, SIMD': () => fp16.decode(received.byteOffset, sum.a.byteOffset, n),
  'bf16 encode, JavaScript': () => encodeHalves(sum.out, 'bf16', halves),
  'bf16 encode, SIMD': () => bf16.encode(out, halves.byteOffset, n),
  'bf16 decode, JavaScript': () => decodeChunk(receivedBytes, 'bf16', sum.a),
  'bf16 decode, SIMD': () => bf16.decode(received.byteOffset, sum.a.byteOffset, n),
};

const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (const run of Object.values(variants)) for (let w = 0; w < 3; w++) run(); // warm: compiled, pages touched
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(variants)) {
    const t0 = performance.now();
    run();
    times[name]!.push(performance.now() - t0);
  }
}
console.log(`\n${n} values, ${rounds} rounds: ms per call, median (fastest)`);
const medians = Object.fromEntries(Object.entries(times).map(([k, t]) => [k, median(t)]));
for (const [name, ms] of Object.entries(medians)) console.log(`  ${name.padEnd(28)}${ms.toFixed(2).padStart(8)} (${Math.min(...times[name]!).toFixed(2)})`);
const report = { values: n, rounds, medianMs: medians, times };
console.log(JSON.stringify(report));
if (flags.json) await writeFile(flags.json, JSON.stringify(report) + '\n');
