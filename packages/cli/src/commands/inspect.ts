// `dgm inspect <checkpoint>`: what a checkpoint holds, after verifying every file's sha256.
// Reads files only: no model is rebuilt, so it is fast and works for any model size.
import { resolve as resolvePath } from 'node:path';
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { Reporter } from '../progress/reporter.js';
import { ExitCode } from '../errors.js';
import type { CliContext, Command } from './command.js';

const spec: CommandSpec = {
  name: 'inspect',
  summary: 'Verify a checkpoint and show its model, step, config and parameter counts.',
  positional: { name: 'checkpoint', description: 'a run directory (its latest checkpoint), a checkpoints/ directory or a step-NNNNNN directory' },
  options: [{ name: 'json', type: 'boolean', description: 'Print one JSON object instead of text.' }],
  examples: ['dgm inspect runs/vae-mnist-20261122-010203', 'dgm inspect runs/my-run/checkpoints/step-000400 --json'],
};

/** Weight count per sub-model, from the weight shapes listed in its model.json. */
export function parameterCounts(files: Map<string, Uint8Array>, subModels: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sub of subModels) {
    const bytes = files.get(`${sub}/model.json`);
    if (!bytes) continue;
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { weightsManifest?: { weights: { shape: number[] }[] }[] };
    counts[sub] = (json.weightsManifest ?? []).flatMap((g) => g.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  }
  return counts;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  const { resolveCheckpointDir, verifyCheckpoint } = await import('@dgm/core/node');
  const dir = await resolveCheckpointDir(resolvePath(context.cwd, args.positional as string));
  const { state, files } = await verifyCheckpoint(dir);
  const params = parameterCounts(files, state.model.subModels);
  const total = Object.values(params).reduce((a, b) => a + b, 0);
  const json = Boolean(args.values.json);
  const reporter = new Reporter({ mode: json ? 'json' : 'plain', stdout: context.stdout, stderr: context.stderr, color: false });
  // The epoch of the checkpoint's last step, as its metrics.jsonl line says (epochs count from 0);
  // state.epoch is where the next step starts, one more at an epoch's end.
  const epoch = state.step > 0 && state.sampler.step === 0 ? state.sampler.epoch - 1 : state.sampler.epoch;
  const summary = {
    checkpoint: dir,
    model: state.model.name,
    family: state.model.family ?? null,
    modelOptions: state.model.options,
    step: state.step,
    epoch,
    seed: state.seed,
    createdAt: state.createdAt,
    config: state.config,
    configHash: state.configHash,
    parameters: params,
    totalParameters: total,
    optimizerPhases: state.optimizerPhases,
    filesVerified: files.size,
    library: state.library,
  };
  const config = Object.entries(state.config)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  reporter.result(summary, [
    `checkpoint  ${dir}`,
    `model       ${state.model.name}${state.model.family ? ` (${state.model.family})` : ''}`,
    `step        ${state.step} (epoch ${epoch}), saved ${state.createdAt}`,
    `parameters  ${Object.entries(params).map(([k, v]) => `${k} ${formatCount(v)}`).join(', ')}; total ${formatCount(total)}`,
    `optimizer   Adam state for phase ${state.optimizerPhases.join(', ')}`,
    `config      ${config}`,
    `config hash ${state.configHash}`,
    `files       ${files.size} verified against manifest.sha256`,
    `written by  ${state.library.name} ${state.library.version} (tfjs ${state.library.tfjs})`,
  ]);
  return ExitCode.ok;
}

export const inspectCommand: Command = { spec, run };
