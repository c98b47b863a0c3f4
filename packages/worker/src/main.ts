#!/usr/bin/env node
// Worker entry script, spawned by the launcher (the dgm CLI) once per device:
//   node main.js --connect <tcp://host:port|ipc://path> [--run <id>] [--config <file.json>]
//                [--backend auto|tensorflow|wasm|cpu] [--log-file <path>]
//                [--heartbeat-ms N] [--timeout-ms N] [--join-timeout-ms N]
// The launcher pins the device through the environment (see device.ts: workerEnv) BEFORE this
// process starts, because native TensorFlow reads CUDA_VISIBLE_DEVICES once, when it loads.
// Exit codes: 0 stopped by the coordinator at the end of a run, 1 the run failed (STOP with an
// error, or a failure here), 2 bad arguments/config or rejected by the coordinator,
// 3 coordinator unreachable or gone.
import { exitCodeOf, parseWorkerArgs } from './entry-args.js';
import { runWorker } from './run-worker.js';

async function main(): Promise<void> {
  let code: number;
  try {
    const result = await runWorker(parseWorkerArgs(process.argv.slice(2)));
    code = exitCodeOf({ result });
  } catch (error) {
    process.stderr.write(`dgm worker: ${(error as Error).message}\n`);
    code = exitCodeOf({ error });
  }
  // Sockets are closed with linger 0 and timers cleared, but a native backend may keep handles:
  // exit explicitly once everything of ours is flushed.
  process.exit(code);
}

void main();
