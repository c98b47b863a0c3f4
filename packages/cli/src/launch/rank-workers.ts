// The workers of a `dgm launch` process whose rank is not 0: the coordinator runs elsewhere (on
// rank 0), so this process only starts its local `dgm worker` children at their ranks, waits for
// them, and says in one sentence why the run ended if it did not end well. A scheduler's stop
// signal (scancel's SIGTERM, Slurm's --signal=USR1@90) reaches rank 0 too, whose coordinator takes
// the final checkpoint and sends STOP: so this process waits for that STOP instead of killing its
// workers, up to a bound. In an elastic run (--min-workers) one of its workers may die while the
// run goes on without it: if another worker of this rank saw the run finish, that loss is a
// warning and this rank exits 0, as rank 0 does.
import type { CliContext } from '../commands/command.js';
import { ExitCode, RunFailedError } from '../errors.js';
import type { Reporter } from '../progress/reporter.js';
import { launchLocalWorkers, type WorkerExit, type WorkerSlot } from './local-workers.js';
import { listenForStop } from './signals.js';

/** How long, after a stop signal, the workers may wait for the coordinator's STOP before they are killed. */
export const STOP_WAIT_MS = 90_000;

export interface RankWorkersOptions {
  /** The coordinator's address on rank 0. */
  connect: string;
  /** Local workers; worker `index` runs at rank `firstRank + index`. */
  slots: WorkerSlot[];
  firstRank: number;
  /** Arguments every `dgm worker` gets besides --connect, --rank and --gpu (backend, runtime flags). */
  workerArgs: string[];
  workerEnv: NodeJS.ProcessEnv;
  stopSignals: NodeJS.Signals[];
}

/** What one worker said last: its `error` event, or the reason of a run that stopped on an error. */
interface LastWord {
  error?: string;
  stoppedBy?: string;
  /** The worker's result said the run finished. */
  finished?: boolean;
}

function lastWordOf(line: string, word: LastWord): void {
  let event: { event?: string; message?: string; status?: string; reason?: string };
  try {
    event = JSON.parse(line) as typeof event;
  } catch {
    return;
  }
  if (event.event === 'error' && typeof event.message === 'string') word.error = event.message;
  if (event.event === 'result' && event.status === 'stopped-by-error' && typeof event.reason === 'string') word.stoppedBy = event.reason;
  if (event.event === 'result' && event.status === 'finished') word.finished = true;
}

/** A worker's log event (a warning, an error other than its final one, which lastWordOf keeps, or a line such as "Rejoined ..."), or null. */
function warningOf(line: string): { level: 'info' | 'warn' | 'error'; message: string } | null {
  try {
    const e = JSON.parse(line) as { event?: string; level?: string; message?: unknown };
    if (e.event !== 'log' || typeof e.message !== 'string') return null;
    return { level: e.level === 'error' ? 'error' : e.level === 'info' ? 'info' : 'warn', message: e.message };
  } catch {
    return null;
  }
}

/** The sentence for a worker that ended badly, naming the rank that never came when that is why. */
function explain(exit: WorkerExit, rank: number, word: LastWord, connect: string): string {
  if (word.stoppedBy) return `the coordinator on rank 0 stopped the run: ${word.stoppedBy}`;
  if (word.error?.startsWith('no answer from a coordinator')) return `rank 0, which hosts the coordinator at ${connect}, never came: ${word.error}`;
  if (word.error) return `worker rank ${rank}: ${word.error}`;
  return `worker rank ${rank} (pid ${exit.pid}) ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}.`;
}

/** Runs this rank's workers until they end. Resolves to the exit code; throws RunFailedError with the reason. */
export async function runRankWorkers(o: RankWorkersOptions, reporter: Reporter, context: CliContext): Promise<number> {
  const words = o.slots.map((): LastWord => ({}));
  const workers = launchLocalWorkers({
    slots: o.slots,
    command: process.execPath,
    args: (slot) => {
      const rank = o.firstRank + slot.index;
      // No log file: the run directory is rank 0's to create (and to find free), and the
      // scheduler keeps what this process prints (Slurm's output file, the pod's log).
      return [
        context.entryScript,
        'worker',
        '--connect',
        o.connect,
        '--rank',
        String(rank),
        '--json',
        ...(slot.gpu !== null ? ['--gpu', String(slot.gpu)] : []),
        ...o.workerArgs,
      ];
    },
    baseEnv: { ...process.env, ...o.workerEnv },
    cwd: context.cwd,
    onLine: (slot, line, stream) => {
      if (stream === 'stdout') {
        lastWordOf(line, words[slot.index]);
        // A worker's warnings arrive as log events (it runs with --json): shown as sentences, labelled with its rank.
        const said = warningOf(line);
        if (said) reporter.message(said.level, `[worker ${o.firstRank + slot.index}] ${said.message}`);
      }
      else reporter.message('info', `[worker ${o.firstRank + slot.index}] ${line}`);
    },
  });
  const stop = listenForStop(o.stopSignals, () => {
    reporter.warn('Second stop signal: killing the workers now.');
    workers.signalAll('SIGKILL');
  });
  let stopped: NodeJS.Signals | null = null;
  void stop.requested.then((signal) => {
    stopped = signal;
    reporter.warn(`${signal}: waiting up to ${STOP_WAIT_MS / 1000} s for the coordinator on rank 0 to take the final checkpoint and stop the run.`);
    void workers.stop(STOP_WAIT_MS, 2_000);
  });
  reporter.event('workers', { pids: workers.pids, gpus: o.slots.map((s) => s.gpu), ranks: o.slots.map((s) => o.firstRank + s.index) });
  reporter.info(`Started ${o.slots.length} worker process${o.slots.length === 1 ? '' : 'es'} at rank${o.slots.length === 1 ? '' : 's'} ${o.slots.map((s) => o.firstRank + s.index).join(', ')} (pids ${workers.pids.join(', ')}), joining ${o.connect}`);
  let exits: WorkerExit[];
  try {
    exits = await workers.waitAll();
  } finally {
    stop.dispose();
  }
  const failures = exits.filter((e) => e.code !== 0 && !(stopped !== null && e.signal === null && e.code === ExitCode.interrupted));
  const runFinished = words.some((w) => w.finished === true);
  for (const lost of runFinished ? failures : []) {
    reporter.warn(`${explain(lost, o.firstRank + lost.slot.index, words[lost.slot.index], o.connect)} The run went on without it (--min-workers) and finished.`);
  }
  const failed = failures[0];
  if (failed && !runFinished) throw new RunFailedError(explain(failed, o.firstRank + failed.slot.index, words[failed.slot.index], o.connect));
  reporter.result({ status: stopped ? 'stopped' : 'finished', ranks: o.slots.map((s) => o.firstRank + s.index) }, [
    stopped ? `Stopped on ${stopped}; the coordinator on rank 0 wrote the final checkpoint.` : 'The workers of this rank finished; the coordinator on rank 0 holds the results.',
  ]);
  return stopped ? ExitCode.interrupted : ExitCode.ok;
}
