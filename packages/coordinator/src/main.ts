#!/usr/bin/env node
// Coordinator entry script:
//   node main.js --bind <tcp://host:port|ipc://path> --workers N --config <run-config.json>
//                [--run-dir DIR] [--run ID] [--resume] [--backend auto|tensorflow|wasm|cpu]
//                [--heartbeat-ms N] [--timeout-ms N] [--join-timeout-ms N] [--step-timeout-ms N]
//                [--check-every K] [--checkpoint-every K] [--sample-every K]
// Prints `listening <endpoint> <run id>` on stdout once bound (a launcher reads it to start the
// workers), one JSON metrics line per step on stdout, and `finished <steps> <hash>` at the end.
// SIGINT/SIGTERM stop the run cleanly after the current step (checkpoint, STOP to all).
// Exit codes: 0 finished, 1 the run failed (worker lost, replicas disagree, ...), 2 bad
// arguments, config, data or address, 3 stopped by a signal.
import { EXIT, exitCodeOfRun, parseCoordinatorArgs } from './entry-args.js';
import { startCoordinator } from './start-coordinator.js';

async function main(): Promise<number> {
  let handle;
  try {
    handle = await startCoordinator({
      ...parseCoordinatorArgs(process.argv.slice(2)),
      onStep: (record) => process.stdout.write(`${JSON.stringify(record)}\n`),
    });
  } catch (error) {
    process.stderr.write(`dgm coordinator: ${(error as Error).message}\n`);
    return EXIT.badInput;
  }
  process.stdout.write(`listening ${handle.address} ${handle.run}\n`);
  const stop = (signal: string) => handle.stop(`received ${signal}`);
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  try {
    const result = await handle.done;
    process.stdout.write(`finished ${result.steps} ${result.finalHash}\n`);
    return EXIT.finished;
  } catch (error) {
    process.stderr.write(`dgm coordinator: ${(error as Error).message}\n`);
    return exitCodeOfRun(error);
  }
}

// Exit explicitly: a native backend may keep handles open after our sockets are closed.
void main().then((code) => process.exit(code));
