// metrics.jsonl as the report reads it: records of the expected shape, by step. A resumed run
// appends the steps after its checkpoint again; the newest line of a step wins. Read
// incrementally: a refresh during a long run parses only the lines added since the last one.
import { open } from 'node:fs/promises';
import { describeDamage, parseJsonLines } from './jsonl.js';
import type { StepLine } from './run-view.js';

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The record as a StepLine, or null when it lacks a step number or its losses. */
function asStepLine(value: unknown): StepLine | null {
  if (value === null || typeof value !== 'object') return null;
  const r = value as Record<string, unknown>;
  if (!Number.isSafeInteger(r.step) || (r.step as number) < 0) return null;
  if (r.losses === null || typeof r.losses !== 'object') return null;
  const losses: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.losses as Record<string, unknown>)) if (isNumber(v)) losses[k] = v;
  const line: StepLine = { step: r.step as number, losses };
  for (const key of ['epoch', 'samples', 'samplesPerSec', 'stepMs', 'computeMs', 'commMs', 'reduceMs', 'workers', 'lr'] as const) {
    if (isNumber(r[key])) line[key] = r[key];
  }
  if (typeof r.time === 'string') line.time = r.time;
  if (Array.isArray(r.workerComputeMs) && r.workerComputeMs.every(isNumber)) line.workerComputeMs = r.workerComputeMs as number[];
  return line;
}

/** What metrics.jsonl holds so far, kept between reads of a growing file. */
export class MetricsReader {
  private byStep = new Map<number, StepLine>();
  private damaged: { line: number }[] = [];
  private lines = 0;
  /** Bytes of whole lines already parsed. */
  private offset = 0;
  private partialTail = false;
  private missing = false;

  private reset(): void {
    this.byStep = new Map();
    this.damaged = [];
    this.lines = 0;
    this.offset = 0;
  }

  /** Parses whole lines of `text` (the part after the last newline is left for later). */
  feed(text: string): number {
    const end = text.lastIndexOf('\n') + 1;
    const parsed = parseJsonLines(text.slice(0, end));
    for (const d of parsed.damaged) this.damaged.push({ line: this.lines + d.line });
    for (const { line, value } of parsed.values) {
      const step = asStepLine(value);
      if (step) this.byStep.set(step.step, step);
      else this.damaged.push({ line: this.lines + line });
    }
    this.lines += end === 0 ? 0 : text.slice(0, end).split('\n').length - 1;
    this.partialTail = end < text.length;
    return Buffer.byteLength(text.slice(0, end));
  }

  /** Reads what `path` gained since the last call (from the start if it shrank: a new file). */
  async readFile(path: string): Promise<void> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch {
      this.missing = true;
      return;
    }
    try {
      this.missing = false;
      const { size } = await handle.stat();
      if (size < this.offset) this.reset();
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      // Whole lines end in '\n', a byte no UTF-8 sequence contains: decoding up to it is safe.
      const upTo = buffer.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
      this.offset += this.feed(buffer.subarray(0, upTo).toString('utf8'));
      this.partialTail = upTo < bytesRead;
    } finally {
      await handle.close();
    }
  }

  /** The steps so far, by step, and the sentences about what was wrong. */
  result(): { steps: StepLine[]; notices: string[] } {
    if (this.missing) return { steps: [], notices: ['metrics.jsonl is missing: no step has finished yet.'] };
    const notices: string[] = [];
    const damage = describeDamage('metrics.jsonl', [...this.damaged].sort((a, b) => a.line - b.line));
    if (damage) notices.push(damage);
    if (this.partialTail) notices.push('The last line of metrics.jsonl is still being written (or was cut short); it is not shown.');
    if (this.byStep.size === 0) notices.push('metrics.jsonl has no complete step yet: the charts fill in as steps finish.');
    return { steps: [...this.byStep.values()].sort((a, b) => a.step - b.step), notices };
  }
}
