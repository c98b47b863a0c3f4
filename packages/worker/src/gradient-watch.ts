// The one place every gradient of this worker passes on its way to any data plane (star, shared
// memory, hierarchical): the Trainer's reducer is this watch, wrapped around WorkerPlanes. It
// checks the worker's own gradient for NaN/Inf before the reduce, so that DONE can name the rank
// that brought a poisoned step (the skip itself is decided by every replica on the average, in
// core's phase runner). It also holds the test hooks DGM_TEST_POISON_STEPS, DGM_TEST_KILL_AT and DGM_TEST_STALL_AT.
import { allFinite, type GradientReducer, type PhaseName } from '@dgm/core';
import { StepAbortedError, WorkerOptionsError } from './errors.js';

/** The environment variable of the test hook: `RANK:STEPS`, STEPS a comma list of step numbers or `*`. */
export const TEST_POISON_VARIABLE = 'DGM_TEST_POISON_STEPS';

/** For tests only: the rank whose gradients are poisoned, at which steps (null: every step). */
export interface TestPoison {
  rank: number;
  steps: ReadonlySet<number> | null;
}

/**
 * Reads DGM_TEST_POISON_STEPS, a hook for tests that need a worker producing NaN (there is no
 * other way to make a real replica's gradient non-finite on demand): "1:3,7" poisons rank 1's
 * gradients at steps 3 and 7 (the 0-based step of STEP, i.e. metrics step − 1), "1:*" at every
 * step. Absent or empty: null. Anything else is one sentence.
 */
export function testPoisonOf(env: Readonly<Record<string, string | undefined>>): TestPoison | null {
  const text = env[TEST_POISON_VARIABLE];
  if (text === undefined || text === '') return null;
  const match = /^(\d{1,5}):(\*|\d{1,10}(?:,\d{1,10})*)$/.exec(text);
  if (!match) {
    throw new WorkerOptionsError(`${TEST_POISON_VARIABLE} (a test hook) must be RANK:STEPS, STEPS a comma list of step numbers or *, e.g. 1:3,7; got '${text}'.`);
  }
  return { rank: Number(match[1]), steps: match[2] === '*' ? null : new Set(match[2]!.split(',').map(Number)) };
}

/** The environment variable of the test hook `RANK:STEP:PHASE`: that worker kills itself (SIGKILL) as it reaches that phase's average. */
export const TEST_KILL_VARIABLE = 'DGM_TEST_KILL_AT';
/**
 * The environment variable of the test hook `RANK:STEP:PHASE`: that worker, holding that phase's
 * average, does not apply it until an ABORT breaks the step off (the others can finish the step).
 */
export const TEST_STALL_VARIABLE = 'DGM_TEST_STALL_AT';

/** For tests only: a point of a run (the worker admitted at `rank`, phase `phase` of 0-based step `step`). */
export interface TestPoint {
  rank: number;
  step: number;
  phase: string;
}
/** DGM_TEST_KILL_AT's point: the worker dies by SIGKILL when that phase of that step reaches the reduce. */
export type TestKill = TestPoint;

/** Reads a RANK:STEP:PHASE hook from `variable`; absent or empty: null; anything else is one sentence. */
function testPointOf(env: Readonly<Record<string, string | undefined>>, variable: string): TestPoint | null {
  const text = env[variable];
  if (text === undefined || text === '') return null;
  const match = /^(\d{1,5}):(\d{1,10}):([a-z]{1,16})$/.exec(text);
  if (!match) throw new WorkerOptionsError(`${variable} (a test hook) must be RANK:STEP:PHASE, e.g. 1:5:g; got '${text}'.`);
  return { rank: Number(match[1]), step: Number(match[2]), phase: match[3]! };
}

/**
 * Reads DGM_TEST_KILL_AT, a hook for elastic-run tests that need a worker to die at an exact
 * point (between a GAN's phases: D averaged and applied everywhere, G not yet), which a kill
 * from outside cannot hit: "1:5:g".
 */
export function testKillOf(env: Readonly<Record<string, string | undefined>>): TestKill | null {
  return testPointOf(env, TEST_KILL_VARIABLE);
}

/**
 * Reads DGM_TEST_STALL_AT, a hook for elastic-run tests that need replicas standing apart when the
 * members change (one applied a phase or finished a step, another not): the worker holds that
 * phase's average, unapplied, until an ABORT breaks the step off, which no timing from outside
 * can make certain: "2:5:g".
 */
export function testStallOf(env: Readonly<Record<string, string | undefined>>): TestPoint | null {
  return testPointOf(env, TEST_STALL_VARIABLE);
}

/** How long a stalled worker (DGM_TEST_STALL_AT) waits for the ABORT before its step fails. */
const STALL_BOUND_MS = 60_000;

export class GradientWatch implements GradientReducer {
  private nonFinite: PhaseName[] = [];
  /** This worker's rank once admitted (the test hook poisons one rank). */
  rank = -1;
  /**
   * Set from an ABORT until the worker answered it: the step in progress was broken off, so a
   * phase that reaches the reduce now must not start an average nobody will finish.
   */
  aborting = false;

  /** The stalled average's release (DGM_TEST_STALL_AT), while one is held. */
  private stalled: ((error: Error) => void) | null = null;

  constructor(
    private readonly inner: GradientReducer,
    private readonly poison: TestPoison | null,
    private readonly kill: TestKill | null = null,
    private readonly stall: TestPoint | null = null,
  ) {}

  reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    const at = (p: TestPoint | null) => p !== null && p.rank === this.rank && p.step === step && p.phase === phase;
    if (at(this.kill)) process.kill(process.pid, 'SIGKILL');
    if (this.aborting) return Promise.reject(new StepAbortedError(`phase '${phase}' of step ${step} was broken off by the coordinator`));
    // The Trainer made `grads` for this call alone: writing into it poisons only this replica.
    if (this.poison && this.poison.rank === this.rank && (this.poison.steps === null || this.poison.steps.has(step)) && grads.length > 0) grads[0] = NaN;
    if (!allFinite(grads)) this.nonFinite.push(phase);
    const average = this.inner.reduce(phase, step, grads, sampleCount);
    return at(this.stall) ? average.then(() => this.hold(phase, step)) : average;
  }

  /** ABORT: the step in progress breaks off (a stalled average is released, unapplied). */
  breakOff(): void {
    this.aborting = true;
    this.stalled?.(new StepAbortedError('the stalled step was broken off by the coordinator'));
  }

  /** DGM_TEST_STALL_AT: the average was read (every peer could finish the phase); it is never applied. */
  private hold(phase: string, step: number): Promise<never> {
    return new Promise<never>((_, reject) => {
      const bound = setTimeout(() => reject(new Error(`${TEST_STALL_VARIABLE} held phase '${phase}' of step ${step} for ${STALL_BOUND_MS} ms and no ABORT came`)), STALL_BOUND_MS);
      this.stalled = (error) => {
        clearTimeout(bound);
        this.stalled = null;
        reject(error);
      };
    });
  }

  /** The phases of the step just computed whose own gradient held a NaN or ±Infinity; forgets them. */
  take(): PhaseName[] {
    const phases = this.nonFinite;
    this.nonFinite = [];
    return phases;
  }
}
