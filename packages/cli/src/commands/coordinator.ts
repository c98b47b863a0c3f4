// `dgm coordinator`: the coordinator alone, for runs whose workers start on other machines.
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { resolveTrainSettings, TRAIN_DEFAULTS } from '../config/train-settings.js';
import { runCoordinatorOnly } from '../launch/local-run.js';
import { planTrain } from '../launch/train-plan.js';
import { commandReporter } from '../progress/reporter.js';
import type { CliContext, Command } from './command.js';
import { COORDINATOR_RUNTIME_OPTIONS, resolveCoordinatorRuntimeFlags } from './runtime-flags.js';
import { COORDINATOR_SECURITY_OPTIONS, resolveCoordinatorSecurity } from './security-flags.js';
import { RUN_OPTIONS } from './train-options.js';

const spec: CommandSpec = {
  name: 'coordinator',
  summary: 'Run the coordinator of a multi-machine run; workers join with `dgm worker --connect`.',
  options: [
    { name: 'bind', type: 'string', value: 'address', description: `Address to listen on (default ${TRAIN_DEFAULTS.bind}; port * picks a free one); open this TCP port in the firewall.` },
    { name: 'workers', type: 'string', value: 'n', description: `Workers to wait for before the first step (default ${TRAIN_DEFAULTS.workers}).` },
    ...RUN_OPTIONS.map((o) =>
      o.name === 'backend'
        ? { ...o, description: "This process's backend (it loads snapshots and draws sample grids); each worker picks its own with dgm worker --backend." }
        : o,
    ),
    ...COORDINATOR_SECURITY_OPTIONS,
    ...COORDINATOR_RUNTIME_OPTIONS,
  ],
  notes: [
    'Workers receive the model, data and settings from the coordinator; each worker machine needs the',
    'same dataset spec to resolve (bundled datasets always do). Ctrl-C writes a final checkpoint and exits 130.',
  ],
  examples: [
    'dgm keys new --out keys   # once: a cluster key pair; copy keys/ to every machine (README: Closed cluster)',
    'dgm coordinator --bind tcp://0.0.0.0:5555 --key keys/secret.key --allow keys/public.key --workers 4 --model dcgan --epochs 5',
    'dgm coordinator --bind tcp://127.0.0.1:5555 --workers 2 --config run.yaml   # loopback: no keys needed',
    '# then on each worker machine:  dgm worker --connect tcp://head:5555 --key keys/secret.key --server-key keys/public.key --gpus all',
  ],
};

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  const settings = resolveTrainSettings({ command: 'coordinator', flags: args.values, cwd: context.cwd });
  const runtime = resolveCoordinatorRuntimeFlags(args.values);
  const security = await resolveCoordinatorSecurity(args.values, settings.bind as string);
  const reporter = commandReporter(settings.json, context);
  const plan = await planTrain(settings, context.env, { localWorkers: false });
  if (security.warning) reporter.warn(security.warning);
  return runCoordinatorOnly(plan, reporter, context, runtime, security.curve);
}

export const coordinatorCommand: Command = { spec, run };
