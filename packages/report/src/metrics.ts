// metrics.jsonl as the report reads it: records of the expected shape, by step. A resumed run
// appends the steps after its checkpoint again; the newest line of a step wins.
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

/** Steps of metrics.jsonl's text, and the sentences about what was wrong with it. */
export function readMetrics(text: string | null): { steps: StepLine[]; notices: string[] } {
  if (text === null) return { steps: [], notices: ['metrics.jsonl is missing: no step has finished yet.'] };
  const parsed = parseJsonLines(text);
  const byStep = new Map<number, StepLine>();
  const damaged = [...parsed.damaged];
  for (const { line: n, value } of parsed.values) {
    const line = asStepLine(value);
    if (line) byStep.set(line.step, line);
    else damaged.push({ line: n, reason: 'not a step record' });
  }
  damaged.sort((a, b) => a.line - b.line);
  const notices: string[] = [];
  const damage = describeDamage('metrics.jsonl', damaged);
  if (damage) notices.push(damage);
  if (parsed.partialTail) notices.push('The last line of metrics.jsonl is still being written (or was cut short); it is not shown.');
  if (byStep.size === 0) notices.push('metrics.jsonl has no complete step yet: the charts fill in as steps finish.');
  return { steps: [...byStep.values()].sort((a, b) => a.step - b.step), notices };
}
