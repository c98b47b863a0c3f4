// eval.jsonl: every `dgm eval` of a run (and the evaluation at the end of `dgm train`) appends
// one line here, so the report shows how the scores moved from checkpoint to checkpoint.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeDamage, parseJsonLines } from './jsonl.js';
import type { EvalRecord } from './run-view.js';

export const EVAL_LOG = 'eval.jsonl';

/** Appends `record` as one line of `<runDir>/eval.jsonl` (created if absent). */
export async function appendEvaluation(runDir: string, record: EvalRecord): Promise<void> {
  // One write of one line, opened for append: a concurrent reader sees the line whole or not at all.
  await appendFile(join(runDir, EVAL_LOG), `${JSON.stringify(record)}\n`);
}

function asEvalRecord(value: unknown): EvalRecord | null {
  if (value === null || typeof value !== 'object') return null;
  const r = value as Partial<EvalRecord>;
  if ((r.family !== 'vae' && r.family !== 'gan') || !Number.isSafeInteger(r.step)) return null;
  return r as EvalRecord;
}

/** Evaluations of eval.jsonl's text (null: none yet), with sentences about damaged lines. */
export function readEvaluations(text: string | null): { evaluations: EvalRecord[]; notices: string[] } {
  if (text === null) return { evaluations: [], notices: [] };
  const parsed = parseJsonLines(text);
  const evaluations: EvalRecord[] = [];
  const damaged = [...parsed.damaged];
  for (const { line, value } of parsed.values) {
    const record = asEvalRecord(value);
    if (record) evaluations.push(record);
    else damaged.push({ line, reason: 'not an evaluation record' });
  }
  const damage = describeDamage(EVAL_LOG, damaged.sort((a, b) => a.line - b.line));
  return { evaluations, notices: damage ? [damage] : [] };
}
