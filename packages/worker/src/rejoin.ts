// A worker's sessions, one after another: without a reconnect window (the default) exactly one,
// and a lost coordinator ends the worker (CoordinatorGoneError). With one (`dgm worker
// --reconnect SECONDS`), a session that had been admitted and then lost its coordinator is
// released first — its data planes (the /dev/shm segment, ring and turn sockets), its DEALER, its
// timers, its replica and every tensor — and a fresh session tries the same address for up to the
// window. The fresh session says HELLO with the run's config (so only a coordinator of the same
// run admits it: another one refuses it with a sentence) and the rank it was launched with. Its
// replica is built anew rather than reused: a coordinator restarted with --resume sends the
// checkpoint's full state to a replica exactly like a fresh worker's, so nothing a lost step left
// behind (weights or Adam moments a half-finished step moved) can reach the resumed run.
import { tf } from '@dgm/core';
import type { Logger } from '@dgm/protocol/log';
import { CoordinatorGoneError } from './errors.js';
import type { ResolvedWorkerOptions } from './options.js';
import type { WorkerResult, WorkerSession } from './worker-session.js';

type Outcome = { result: WorkerResult } | { error: Error };

/**
 * The pause between a released session and the next. ZeroMQ closes a socket in its I/O thread, so
 * the port the lost session's ring socket held is free only a few milliseconds after close
 * (measured: up to 4 ms); with a narrow --ring-ports range the next session needs that port back.
 */
const RELEASE_SETTLE_MS = 250;

async function runToEnd(session: WorkerSession): Promise<Outcome> {
  try {
    await session.start();
    return { result: await session.ended$ };
  } catch (error) {
    return { error: error as Error };
  }
}

/** "60 s", "2.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Runs sessions made by `open` until one ends with the coordinator's STOP (its result, with the
 * steps of every session) or with an error that is not a lost coordinator to rejoin (thrown).
 */
export async function runSessions(o: ResolvedWorkerOptions, open: (o: ResolvedWorkerOptions) => WorkerSession, log: Logger): Promise<WorkerResult> {
  // Tensors before any replica exists: after a released session the count must be back here.
  const tensorsBefore = tf.memory().numTensors;
  let options = o;
  let lost: CoordinatorGoneError | null = null;
  let earlierSteps = 0;
  for (;;) {
    const session = open(options);
    if (lost !== null) {
      session.onAdmitted = (rank, worldSize) => {
        log.info('rejoined the run', { rank, worldSize, address: o.connect });
        o.onRejoin?.rejoined(rank, worldSize);
      };
    }
    const outcome = await runToEnd(session);
    await session.dispose();
    if ('result' in outcome) return { ...outcome.result, steps: earlierSteps + outcome.result.steps };
    const { error } = outcome;
    if (!(error instanceof CoordinatorGoneError) || o.reconnectMs === null) throw error;
    const admission = session.admission;
    if (admission === null) {
      if (lost === null) throw error; // never joined: the join timeout's sentence stands
      // The join's own sentence only when it says more than "nobody answered" (a CURVE handshake that kept failing).
      const curve = /CURVE/.test(error.message) ? `; ${error.message}` : '';
      throw new CoordinatorGoneError(`gave up rejoining: no coordinator of this run answered at ${o.connect} within ${seconds(o.reconnectMs)} (--reconnect) after the last one was lost (${lost.message})${curve}.`);
    }
    lost = error;
    earlierSteps += session.steps;
    log.info('released the session of the lost coordinator', { reason: error.message, stepsComputed: session.steps, tensorsNow: tf.memory().numTensors, tensorsBefore });
    // The same run (its config, so HELLO carries its hashes) at the same address and launched rank;
    // the run id is the one asked for (if any): a resumed coordinator may have drawn a new one.
    options = { ...o, config: admission.config, joinTimeoutMs: o.reconnectMs };
    o.onRejoin?.lost(error.message, o.reconnectMs);
    await new Promise((resolve) => setTimeout(resolve, RELEASE_SETTLE_MS));
  }
}
