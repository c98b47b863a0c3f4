// `dgm eval`: test-set ELBO for VAEs; FID (with its real-data floor), classifier score and class
// histogram for GANs.
import { dirname, join, resolve } from 'node:path';
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { coerceField, TRAIN_FIELDS, wholeNumber } from '../config/fields.js';
import type { BackendName } from '../config/vocabulary.js';
import { ExitCode } from '../errors.js';
import { commandReporter } from '../progress/reporter.js';
import { DEFAULT_EVAL_COUNT, evaluateModel, formatEvaluation } from '../results/evaluation.js';
import { recordEvaluation } from '../results/run-evaluations.js';
import { loadTrainedModel } from '../results/trained-model.js';
import type { CliContext, Command } from './command.js';

const spec: CommandSpec = {
  name: 'eval',
  summary: 'Score a trained model: test ELBO (VAEs); FID with its floor, classifier score and class histogram (GANs); class accuracy of conditional models.',
  positional: { name: 'checkpoint', description: 'a run directory (its latest checkpoint), a checkpoints/ directory or a step-NNNNNN directory' },
  options: [
    { name: 'count', type: 'string', value: 'n', description: 'GANs: generated images to score, also the size of each real reference set (default 1000).' },
    { name: 'seed', type: 'string', value: 'n', description: 'Seed of the evaluation noise and real subsets (default 0).' },
    { name: 'backend', type: 'string', value: 'name', description: 'auto, tensorflow, wasm or cpu (default auto).' },
    { name: 'json', type: 'boolean', description: 'Print one JSON line instead of text.' },
  ],
  notes: [
    'Inside a run directory the result is appended to <run>/eval.jsonl and shown in <run>/report.html.',
    'GAN metrics use the classifier shipped for mnist and fashion-mnist; other datasets get the ELBO (VAEs) only.',
    "Conditional models (GAN or VAE) also get that classifier's accuracy on --count samples drawn for each class in turn, overall and per class, next to its accuracy on real test images.",
  ],
  examples: ['dgm eval runs/vae-mnist-20261122-010203', 'dgm eval runs/dcgan-mnist-20261122-020000 --count 2000 --json'],
};

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  const v = args.values;
  const count = v.count === undefined ? DEFAULT_EVAL_COUNT : (coerceField(wholeNumber(10, 10000), v.count, { flag: 'count' }) as number);
  const seed = v.seed === undefined ? 0 : (coerceField(TRAIN_FIELDS.seed, v.seed, { flag: 'seed' }) as number);
  const backend = v.backend === undefined ? 'auto' : (coerceField(TRAIN_FIELDS.backend, v.backend, { flag: 'backend' }) as BackendName);
  const reporter = commandReporter(Boolean(v.json), context, { progressBar: false });
  const trained = await loadTrainedModel(resolve(context.cwd, args.positional as string), backend);
  try {
    const result = await evaluateModel(trained, { count, seed });
    const report = await recordEvaluation(trained, result);
    const kept = report ? [`Added to ${join(dirname(report), 'eval.jsonl')}; report: ${report}`] : [];
    reporter.result({ checkpoint: trained.dir, step: trained.state.step, ...result, report }, [...formatEvaluation(result), ...kept]);
  } finally {
    trained.dispose();
  }
  return ExitCode.ok;
}

export const evalCommand: Command = { spec, run };
