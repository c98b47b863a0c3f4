// Elastic runs with real worker processes and a real kill -9: three workers, one killed at a
// step drawn from a seed (printed), with and without a fresh worker joining afterwards. The
// survivors redo the broken step over the same global window, so the run ends with the weights of
// a run that never changed (the single-process reference; mlp-gan without BatchNorm, fp32, with a
// generator average so the EMA is checked too). Membership history: in metrics.jsonl and state.json.
// The workers share one host, so the run averages through shared memory, and does so again after
// each change (new segments for the new members; the old ones closed on every survivor); a change
// that leaves one member moves the run to the solo plane (it averages alone), and a join from
// there back to shared memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestValidCheckpoint } from '@dgm/core/node';
import type { RunConfig } from '@dgm/protocol';
import { createDgmLogger } from '@dgm/protocol/log';
import { startCoordinator, type StepRecord } from '../src/index.js';
import { killAll, spawnWorker, type Spawned } from './support/processes.js';
import { maxAbsDiff, referenceWeights, weightsOf } from './support/reference.js';
import { quietLogger } from './support/quiet-logger.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-elastic-'));
const STEPS = 14;
const liveness = { heartbeatMs: 200, timeoutMs: 2000 };
let config: RunConfig;
let reference: Map<string, Float32Array>;

/** A step in [3, 9] drawn from `seed` (mulberry32): the kill comes mid-run, the seed printed so a failure can be replayed. */
function stepFrom(seed: number): number {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return 3 + (((t ^ (t >>> 14)) >>> 0) % 7);
}

beforeAll(async () => {
  writeNpyImages(join(dir, 'small.npy'), 60, 8, 8);
  config = { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [16], ema: 0.9 }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 7, globalBatch: 12, steps: STEPS };
  reference = await referenceWeights(config);
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Three workers, one killed after a step drawn from `seed`. With `join_` the run needs all three
 * (--min-workers 3, --max-workers 4): it waits after the loss until a fresh worker, started at the
 * kill, has joined (so the join always comes mid-run, however fast the steps are).
 */
async function elasticRun(name: string, seed: number, join_: boolean) {
  const killAt = stepFrom(seed);
  console.log(`elastic run '${name}': seed ${seed}, worker killed after step ${killAt}${join_ ? ', a fresh worker joins after that' : ''}`);
  const runDir = join(dir, name);
  const workers: Spawned[] = [];
  let killed: Spawned | null = null;
  let joiner: Spawned | null = null;
  const { warnings, planes, joins, logger } = keptLog();
  let segmentFds: number[] = [];
  const handle = await startCoordinator({
    bind: 'tcp://127.0.0.1:*', config, workers: 3, minWorkers: join_ ? 3 : 2, maxWorkers: join_ ? 4 : 3, runDir, backend: 'wasm', checkEvery: 5, ...liveness, logger,
    onStep: (r: StepRecord) => {
      // The last step: every live worker still holds its plane, which must be the new members' alone.
      if (r.step === STEPS) segmentFds = [...workers, ...(joiner ? [joiner as Spawned] : [])].filter((w) => w !== killed).map((w) => segmentFdsOf(w.child.pid!));
      // Killed once its step is recorded: the next step, sent ahead, is then in flight.
      if (r.step === killAt && killed === null) {
        killed = workers[1]!;
        killed.child.kill('SIGKILL');
        if (join_) joiner = spawnWorker(handle.address, ['--heartbeat-ms', '200', '--timeout-ms', '2000']);
      }
    },
  });
  for (let i = 0; i < 3; i++) workers.push(spawnWorker(handle.address, ['--heartbeat-ms', '200', '--timeout-ms', '2000']));
  const result = await handle.done;
  const exits = await Promise.all([workers[0]!.exit, workers[2]!.exit, ...(joiner ? [(joiner as Spawned).exit] : [])]);
  expect(exits.map((e) => e.code)).toEqual(exits.map(() => 0));
  expect((await workers[1]!.exit).signal).toBe('SIGKILL');
  const pids = [...workers, ...(joiner ? [joiner as Spawned] : [])].map((w) => w.child.pid!);
  return { result, runDir, killAt, killedPid: workers[1]!.child.pid!, warnings, planes, joins, segmentFds, pids, address: handle.address };
}

/** The coordinator's logger, keeping its warnings and its "data plane: ..." lines for the test (nothing printed); `onInfo` sees every other line. */
function keptLog(onInfo: (message: string) => void = () => undefined) {
  const warnings: string[] = [];
  const planes: string[] = [];
  const joins: Record<string, unknown>[] = [];
  const logger = createDgmLogger({
    process: 'coordinator',
    echoLevel: 'info',
    echo: (level, message, fields) => {
      if (level === 'warn') warnings.push(message);
      else if (message.startsWith('data plane: ')) planes.push(message);
      else {
        if (/ joined at step \d+/.test(message)) joins.push(fields ?? {});
        onInfo(message);
      }
    },
  });
  return { warnings, planes, joins, logger };
}

/** How many shared-memory segments process `pid` holds open (its own and its peers', named or already unlinked). */
function segmentFdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return /^\/dev\/shm\/dgm-\d+-[0-9a-f]+\.seg/.test(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

/** Files of these processes left in /dev/shm (segments, turn sockets). */
const leftInShm = (pids: number[]) => readdirSync('/dev/shm').filter((name) => pids.some((pid) => name.startsWith(`dgm-${pid}-`)));

/** The DONE-weighted losses of a step's line: which phases ran. */
const phasesRun = (m: StepRecord) => Object.keys(m.losses).sort();

function metricsOf(runDir: string): StepRecord[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepRecord);
}

describe('an elastic run (3 workers, --min-workers 2) that loses one to kill -9', () => {
  it('goes on with the survivors and ends with the weights of a run that never changed', async () => {
    const { result, runDir, killAt, killedPid, warnings, planes, segmentFds, pids } = await elasticRun('loss', 1, false);
    expect(warnings.filter((w) => w.includes(`(pid ${killedPid} on `) && / left at step \d+: .+; 2 workers remain \(at least 2 needed\)$/.test(w))).toHaveLength(1);
    expect(result.steps).toBe(STEPS);
    expect(maxAbsDiff(weightsOf(result.finalState), reference)).toBeLessThanOrEqual(1e-4);
    const metrics = metricsOf(runDir);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    // Every step's whole global batch was used: the redone step by the two survivors.
    expect(metrics.every((m) => m.samples === config.globalBatch || m.recovered)).toBe(true);
    const left = metrics.flatMap((m) => m.membership ?? []);
    expect(left).toEqual([expect.objectContaining({ event: 'left', rank: expect.any(Number), pid: killedPid, host: expect.any(String), cause: expect.any(String) })]);
    expect(left[0]!.step).toBeGreaterThanOrEqual(killAt);
    expect(metrics.at(-1)!.workers).toBe(2);
    // The survivors average through shared memory again: a plane of two (own segment + the peer's), the old one closed.
    expect(planes).toEqual(['data plane: shared', 'data plane: shared (set up again for the new members)']);
    expect(result.dataPlane).toBe('shared');
    expect(segmentFds).toEqual([2, 2]);
    expect(leftInShm(pids)).toEqual([]);
    const checkpoint = await latestValidCheckpoint(runDir);
    expect(checkpoint!.state.extra?.membership).toEqual(left);
    // --resume continues the history: the resumed run's checkpoint still holds the loss.
    const resumed = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config: { ...config, steps: STEPS + 2 }, workers: 2, runDir, resume: true, backend: 'wasm', ...liveness, logger: quietLogger() });
    const again = [spawnWorker(resumed.address), spawnWorker(resumed.address)];
    expect((await resumed.done).steps).toBe(STEPS + 2);
    expect((await Promise.all(again.map((w) => w.exit))).map((e) => e.code)).toEqual([0, 0]);
    expect((await latestValidCheckpoint(runDir))!.state.extra?.membership).toEqual(left);
  });

  it('below --min-workers waits for a fresh worker (dgm worker --connect), admits it, and still ends with the unchanged run\'s weights', async () => {
    const { result, runDir, warnings, address, planes, joins, segmentFds, pids } = await elasticRun('loss-and-join', 2, true);
    // One line for the loss; one for the wait, saying how many are alive and needed and how to add one.
    expect(warnings.filter((w) => / left at step \d+: /.test(w))).toHaveLength(1);
    expect(warnings).toContain(`only 2 of the 3 workers --min-workers needs are alive; waiting up to 120 s for more (start one with: dgm worker --connect ${address})`);
    expect(result.steps).toBe(STEPS);
    expect(maxAbsDiff(weightsOf(result.finalState), reference)).toBeLessThanOrEqual(1e-4);
    const metrics = metricsOf(runDir);
    const events = metrics.flatMap((m) => m.membership ?? []);
    expect(events.map((e) => e.event)).toEqual(['left', 'joined']);
    expect(events[1]!.rank).toBe(3); // ranks are identities: a joiner gets a new one
    // The join's line says what the joiner's state cost: a live replica's SNAPSHOT (its time) and the STATE's size.
    expect(joins).toEqual([expect.objectContaining({ rank: 3, snapshotMs: expect.any(Number), stateBytes: expect.any(Number) })]);
    expect(joins[0]!.stateBytes).toBeGreaterThan(0);
    expect(metrics.at(-1)!.workers).toBe(3);
    expect(metrics.every((m) => m.samples === config.globalBatch || m.recovered)).toBe(true);
    // The joiner's segment and the survivors' fresh ones make the new shared plane; nothing of the old one stays open or named.
    expect(planes).toEqual(['data plane: shared', 'data plane: shared (set up again for the new members)']);
    expect(result.dataPlane).toBe('shared');
    expect(segmentFds).toEqual([3, 3, 3]);
    expect(leftInShm(pids)).toEqual([]);
  });

  it('a worker that dies between the phases of a GAN step (test hook): the step is redone from phase g only, same weights', async () => {
    const runDir = join(dir, 'between-phases');
    const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 3, minWorkers: 2, runDir, backend: 'wasm', checkEvery: 5, ...liveness, logger: quietLogger() });
    // Rank 1 kills itself as step 6 (0-based) reaches G's average: D's average was applied everywhere.
    const workers = [0, 1, 2].map(() => spawnWorker(handle.address, ['--heartbeat-ms', '200', '--timeout-ms', '2000'], { DGM_TEST_KILL_AT: '1:6:g' }));
    const result = await handle.done;
    expect(result.steps).toBe(STEPS);
    expect(maxAbsDiff(weightsOf(result.finalState), reference)).toBeLessThanOrEqual(1e-4);
    const exits = await Promise.all(workers.map((w) => w.exit));
    expect(exits.filter((e) => e.signal === 'SIGKILL')).toHaveLength(1);
    const metrics = metricsOf(runDir);
    // Step 7's line comes from the redo, which ran phase g alone (D was not applied twice); the others ran both.
    expect(phasesRun(metrics[6]!)).toEqual(['g']);
    expect(metrics.filter((m, i) => i !== 6).every((m) => phasesRun(m).join() === 'd,g')).toBe(true);
    expect(metrics.flatMap((m) => m.membership ?? []).map((e) => [e.event, e.step])).toEqual([['left', 6]]);
  });

  it('replicas standing apart at the loss (one finished the step, one holds G unapplied): the one behind gets the furthest state, logged and `recovered`, same weights', async () => {
    const runDir = join(dir, 'apart');
    const { warnings, logger } = keptLog();
    const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 3, minWorkers: 2, runDir, backend: 'wasm', checkEvery: 5, ...liveness, logger });
    // Rank 2 reads G's average of step 5 (0-based) and holds it unapplied (test hook), so ranks 0 and 1
    // finish step 5 and start step 6 (sent ahead); rank 1 dies there as D reaches its average. At the
    // ABORT rank 0 stands at step 6 and rank 2 at step 5 with D alone applied.
    const env = { DGM_TEST_STALL_AT: '2:5:g', DGM_TEST_KILL_AT: '1:6:d' };
    const workers = [0, 1, 2].map(() => spawnWorker(handle.address, ['--heartbeat-ms', '200', '--timeout-ms', '2000'], env));
    const result = await handle.done;
    expect(result.steps).toBe(STEPS);
    expect(maxAbsDiff(weightsOf(result.finalState), reference)).toBeLessThanOrEqual(1e-4);
    // Ranks go by the order of the HELLOs, not of the spawns: the one killed is whichever became rank 1.
    const exits = await Promise.all(workers.map((w) => w.exit));
    expect(exits.map((e) => e.signal ?? e.code).sort()).toEqual([0, 0, 'SIGKILL']);
    const killedPid = workers[exits.findIndex((e) => e.signal === 'SIGKILL')]!.child.pid;
    expect(warnings).toContainEqual(expect.stringMatching(/^replicas stood apart when the members changed: rank 2 \(pid \d+ on [^)]+\) get the state of rank 0 \(pid \d+ on [^)]+\) \(step 7, phases applied: none\)$/));
    const metrics = metricsOf(runDir);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    // Step 6 was finished by rank 0 alone before the others were brought level: its line says so.
    expect(metrics.filter((m) => m.recovered).map((m) => m.step)).toEqual([6]);
    expect(metrics.flatMap((m) => m.membership ?? []).map((e) => [e.event, e.rank, e.pid])).toEqual([['left', 1, killedPid]]);
    expect(result.dataPlane).toBe('shared');
  });

  it('2 → 1 → 2: the loss leaves one member, which averages alone (solo); a join moves the run back to shared memory; same weights', async () => {
    const runDir = join(dir, 'solo-and-back');
    // The lone survivor is frozen (SIGSTOP) after its first step alone, so the run cannot end before
    // the joiner (seconds to start) is admitted; it goes on (SIGCONT) once the coordinator took the
    // joiner's HELLO. Liveness bounds are wide for that: the frozen worker must not count as lost.
    const slow = ['--heartbeat-ms', '200', '--timeout-ms', '20000'];
    let survivor: Spawned | null = null;
    let joiner: Spawned | null = null;
    let leftPid = 0;
    let segmentFds: number[] = [];
    const { warnings, planes, logger } = keptLog((message) => message.startsWith('a worker joins the running run') && survivor?.child.kill('SIGCONT'));
    const workers: Spawned[] = [];
    const handle = await startCoordinator({
      bind: 'tcp://127.0.0.1:*', config, workers: 2, minWorkers: 1, maxWorkers: 2, runDir, backend: 'wasm', checkEvery: 5, heartbeatMs: 200, timeoutMs: 20_000, logger,
      onStep: (r: StepRecord) => {
        leftPid ||= r.membership?.find((e) => e.event === 'left')?.pid ?? 0;
        if (r.workers === 1 && survivor === null) {
          survivor = workers.find((w) => w.child.pid !== leftPid)!;
          survivor.child.kill('SIGSTOP');
          joiner = spawnWorker(handle.address, slow);
        }
        if (r.step === STEPS) segmentFds = [survivor!, joiner!].map((w) => segmentFdsOf(w.child.pid!));
      },
    });
    // Rank 1 kills itself as step 3 (0-based) reaches G's average: the survivor redoes G alone.
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(handle.address, slow, { DGM_TEST_KILL_AT: '1:3:g' }));
    const result = await handle.done;
    expect(result.steps).toBe(STEPS);
    expect(maxAbsDiff(weightsOf(result.finalState), reference)).toBeLessThanOrEqual(1e-4);
    expect(planes).toEqual(['data plane: shared', 'data plane: solo (set up again for the new members)', 'data plane: shared (set up again for the new members)']);
    expect(warnings.filter((w) => !/ left at step \d+: /.test(w))).toEqual([]); // solo and back are no fallback
    expect(result.dataPlane).toBe('shared');
    const metrics = metricsOf(runDir);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(phasesRun(metrics[3]!)).toEqual(['g']); // the survivor redid G alone, D was not applied twice
    const counts = metrics.map((m) => m.workers);
    expect(counts.slice(0, 3)).toEqual([2, 2, 2]);
    expect(counts[3]).toBe(1);
    expect(counts.at(-1)).toBe(2);
    expect(metrics.flatMap((m) => m.membership ?? []).map((e) => e.event)).toEqual(['left', 'joined']);
    // Solo held no segment; the survivor's fresh one and the joiner's make the new shared plane.
    expect(segmentFds).toEqual([2, 2]);
    const exits = await Promise.all([...workers, joiner!].map((w) => w.exit));
    expect(exits.map((e) => e.signal ?? e.code).sort()).toEqual([0, 0, 'SIGKILL']);
    expect(leftInShm([...workers, joiner!].map((w) => w.child.pid!))).toEqual([]);
  });
});
