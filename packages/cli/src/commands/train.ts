// `dgm train`: a coordinator in this process and N local worker processes (CPU or one per GPU).
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { resolveTrainSettings, TRAIN_DEFAULTS } from '../config/train-settings.js';
import { runLocalTraining } from '../launch/local-run.js';
import { planTrain } from '../launch/train-plan.js';
import { commandReporter } from '../progress/reporter.js';
import type { CliContext, Command } from './command.js';
import { RUN_OPTIONS } from './train-options.js';

const spec: CommandSpec = {
  name: 'train',
  summary: 'Train a model with a coordinator and local worker processes (CPU workers or one per GPU).',
  options: [
    ...RUN_OPTIONS.slice(0, 3),
    { name: 'workers', type: 'string', value: 'n', description: `Number of CPU worker processes (default ${TRAIN_DEFAULTS.workers}; exclusive with --gpus).` },
    { name: 'gpus', type: 'string', value: 'ids|all', description: 'One worker per GPU: a list such as 0,1, or all (the GPUs CUDA_VISIBLE_DEVICES or NVIDIA_VISIBLE_DEVICES grant, UUIDs as given; else nvidia-smi -L). Needs @tensorflow/tfjs-node-gpu.' },
    ...RUN_OPTIONS.slice(3),
  ],
  notes: [
    'With no flags: the VAE on the bundled MNIST digits, 2 CPU workers, 10 epochs; it ends by',
    'printing the sample grid path and the test-set ELBO. Results go to stdout, progress and logs to',
    'stderr and <run>/logs/. Ctrl-C stops the workers, writes a final checkpoint and exits 130.',
    '',
    'A --config file holds the same settings by flag name, for example run.yaml:',
    '  model: dcgan',
    '  loss: hinge',
    '  batch-size: 128',
    '  epochs: 5',
  ],
  examples: [
    'dgm train',
    'dgm train --model dcgan --loss hinge --dataset fashion-mnist --workers 2 --epochs 1',
    'dgm train --model conv-vae --gpus all --batch-size 256 --steps 2000',
    'dgm train --config run.yaml --seed 3',
    'dgm train --resume runs/vae-mnist-20261122-010203 --epochs 6',
    'dgm train --steps 20 --json > events.jsonl',
  ],
};

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  const settings = resolveTrainSettings({ command: 'train', flags: args.values, cwd: context.cwd });
  const reporter = commandReporter(settings.json, context);
  const plan = await planTrain(settings, context.env, { localWorkers: true });
  return runLocalTraining(plan, reporter, context);
}

export const trainCommand: Command = { spec, run };
