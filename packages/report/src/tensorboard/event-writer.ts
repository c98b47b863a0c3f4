// TensorBoard event files for a run's scalars (`dgm train --tensorboard DIR`): one file per
// writer, named as TensorBoard looks for them, a version record first, then one Event per step
// holding that step's scalars.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { eventType } from './event-proto.js';
import { tfRecord } from './records.js';

/** The scalars of one step: tag → value (non-finite values are left out). */
export type Scalars = Record<string, number>;

export class EventFileWriter {
  readonly path: string;
  private readonly stream: WriteStream;
  private failure: Error | null = null;

  constructor(dir: string, now: Date = new Date()) {
    mkdirSync(dir, { recursive: true });
    // TensorBoard reads files whose name holds "tfevents"; the pid keeps two writers of one second apart.
    this.path = join(dir, `events.out.tfevents.${Math.floor(now.getTime() / 1000)}.${hostname()}.${process.pid}`);
    this.stream = createWriteStream(this.path, { flags: 'wx' });
    this.stream.on('error', (error) => (this.failure = error));
    this.event({ wall_time: now.getTime() / 1000, file_version: 'brain.Event:2' });
  }

  /** Appends the scalars of `step` as one Event. */
  scalars(step: number, values: Scalars, wallTime: number = Date.now() / 1000): void {
    const value = Object.entries(values)
      .filter(([, v]) => Number.isFinite(v))
      .map(([tag, simple_value]) => ({ tag, simple_value }));
    if (value.length > 0) this.event({ wall_time: wallTime, step, summary: { value } });
  }

  /**
   * Marks a restart at `step` (a resumed run's first step): TensorBoard then drops the events of
   * steps from `step` on that earlier files hold (SessionLog START, its purge of orphaned data),
   * as metrics.jsonl drops the lines past the checkpoint: each step is shown once.
   */
  restart(step: number, wallTime: number = Date.now() / 1000): void {
    this.event({ wall_time: wallTime, step, session_log: { status: 'START' } });
  }

  /** Appends a metrics line's scalars (see stepScalars) at its step. */
  step(record: Parameters<typeof stepScalars>[0] & { step: number }): void {
    this.scalars(record.step, stepScalars(record));
  }

  private event(fields: Record<string, unknown>): void {
    if (this.failure) throw this.failure;
    const type = eventType();
    this.stream.write(tfRecord(type.encode(type.fromObject(fields)).finish()));
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => this.stream.end(() => (this.failure ? reject(this.failure) : resolve())));
  }
}

/** What dgm shows of a metrics line: losses, throughput, step times and the learning rate. */
export function stepScalars(record: { losses: Record<string, number>; samplesPerSec?: number; computeMs?: number; commMs?: number; lr?: number }): Scalars {
  const out: Scalars = {};
  for (const [name, v] of Object.entries(record.losses)) out[`loss/${name}`] = v;
  if (record.samplesPerSec !== undefined) out['throughput/images_per_sec'] = record.samplesPerSec;
  if (record.computeMs !== undefined) out['time/compute_ms'] = record.computeMs;
  if (record.commMs !== undefined) out['time/comm_ms'] = record.commMs;
  if (record.lr !== undefined) out['learning_rate'] = record.lr;
  return out;
}
