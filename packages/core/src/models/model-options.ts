// Checks the plain-object options createModel() receives (from code, a config file or CLI flags)
// against a model's field table (common-options.ts): every failure is one sentence naming the
// option and what is allowed.
import { firstProblem, type FieldTable, type TableValues } from '../schema/option-fields.js';
import { ModelOptionError } from './errors.js';

/** The options of model `context` checked against `table`; absent options stay absent (the builder's defaults fill them). */
export function readModelOptions<T extends FieldTable>(context: string, table: T, raw: unknown): TableValues<T> {
  const result = firstProblem(table, raw);
  if (result.ok) return result.values;
  const problem = result.problem;
  switch (problem.kind) {
    case 'not-object':
      throw new ModelOptionError(`${context} options must be a plain object, got ${describe(problem.value)}.`);
    case 'unknown-key':
      throw new ModelOptionError(`unknown ${context} option '${problem.key}'; allowed options are: ${Object.keys(table).join(', ')}.`);
    case 'bad-value':
      throw new ModelOptionError(problem.sentence ?? `${context} option '${problem.key}' must be ${problem.allowed}, got ${describe(problem.value)}.`);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
