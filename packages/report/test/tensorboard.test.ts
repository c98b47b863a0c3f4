// TensorBoard event files checked by an independent reader: Debian's protoc compiles the
// messages from TensorFlow's documented field numbers, Google's Python protobuf parses each
// record, python3-crc32c checks both CRCs of each record (.ci/apt-packages installs all three).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventFileWriter, stepScalars } from '../src/tensorboard/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dgm-tensorboard-'));
// Debian's python, where python3-protobuf and python3-crc32c install (not a pyenv or venv python first on PATH).
const PYTHON = '/usr/bin/python3';

interface ReadEvent {
  wall_time: number;
  step: number;
  what: string | null;
  file_version: string;
  values: Record<string, number>;
  session_status: string;
}

function read(path: string): { events: ReadEvent[] | null; error: string } {
  const r = spawnSync(PYTHON, [join(fixtures, 'read_events.py'), path, dir], { encoding: 'utf8' });
  return { events: r.status === 0 ? (JSON.parse(r.stdout) as ReadEvent[]) : null, error: r.stderr };
}

beforeAll(() => {
  execFileSync('protoc', [`--proto_path=${fixtures}`, `--python_out=${dir}`, join(fixtures, 'tensorboard_event.proto')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('writes records whose CRCs and Event/Summary messages stock readers accept, with every scalar', async () => {
  const logdir = join(dir, 'run');
  const writer = new EventFileWriter(logdir, new Date('2026-12-02T10:00:00Z'));
  const lines = [1, 2, 3].map((step) => ({ step, losses: { d: 1.25 / step, g: 0.7 + step }, samplesPerSec: 500 + step, computeMs: 40, commMs: 3.5, lr: 2e-4 }));
  for (const l of lines) writer.scalars(l.step, stepScalars(l), 1_700_000_000 + l.step);
  await writer.close();
  const files = readdirSync(logdir);
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^events\.out\.tfevents\.1796205600\./);
  const { events, error } = read(join(logdir, files[0]));
  expect(error).toBe('');
  expect(events![0]).toMatchObject({ what: 'file_version', file_version: 'brain.Event:2', wall_time: 1796205600 });
  expect(events!.slice(1).map((e) => [e.what, e.step, e.wall_time])).toEqual(lines.map((l) => ['summary', l.step, 1_700_000_000 + l.step]));
  for (const [i, l] of lines.entries()) {
    // simple_value is a float32: compare with the float32 of each value.
    expect(events![i + 1].values).toEqual({
      'loss/d': Math.fround(l.losses.d),
      'loss/g': Math.fround(l.losses.g),
      'throughput/images_per_sec': Math.fround(l.samplesPerSec),
      'time/compute_ms': 40,
      'time/comm_ms': 3.5,
      learning_rate: Math.fround(2e-4),
    });
  }
});

it('is caught by the reader when a byte of a record changes (the CRCs are really checked)', async () => {
  const logdir = join(dir, 'damaged');
  const writer = new EventFileWriter(logdir);
  writer.scalars(1, { 'loss/vae': 100 });
  await writer.close();
  const path = join(logdir, readdirSync(logdir)[0]);
  expect(read(path).events).toHaveLength(2);
  const bytes = readFileSync(path);
  bytes[bytes.length - 6] ^= 0x01; // inside the last record's data
  writeFileSync(path, bytes);
  expect(read(path).error).toMatch(/data CRC mismatch/);
});

it('marks a resumed run with a SessionLog START at its first step, so TensorBoard purges the steps it trains again', async () => {
  const logdir = join(dir, 'resumed');
  const writer = new EventFileWriter(logdir, new Date('2026-12-02T11:00:00Z'));
  writer.restart(5, 1_700_000_005);
  writer.scalars(5, { 'loss/d': 1 }, 1_700_000_006);
  await writer.close();
  const { events, error } = read(join(logdir, readdirSync(logdir)[0]));
  expect(error).toBe('');
  expect(events!.slice(1).map((e) => [e.what, e.step, e.session_status])).toEqual([
    ['session_log', 5, 'START'],
    ['summary', 5, 'STATUS_UNSPECIFIED'],
  ]);
});
