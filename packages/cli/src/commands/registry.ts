// The commands of `dgm`, in the order `dgm --help` lists them.
import type { Command } from './command.js';
import { coordinatorCommand } from './coordinator.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { launchCommand } from './launch.js';
import { reportCommand } from './report.js';
import { keysCommand } from './keys.js';
import { sampleCommand } from './sample.js';
import { trainCommand } from './train.js';
import { workerCommand } from './worker.js';

export const COMMANDS: readonly Command[] = [trainCommand, coordinatorCommand, workerCommand, launchCommand, sampleCommand, evalCommand, reportCommand, inspectCommand, keysCommand];
