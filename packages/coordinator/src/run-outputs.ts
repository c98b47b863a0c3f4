// What a run leaves in its run directory: metrics.jsonl (one line per step), checkpoints (rank
// 0's full state, saved through the coordinator's own copy of the model), sample grids, and
// report.html (@dgm/report: at the start, every reportEveryMs, and at the end).
import { join } from 'node:path';
import { disposeOptimizerState, restoreState, type ReplicaModel } from '@dgm/core';
import type { Dataset, EpochSampler } from '@dgm/core/node';
import { ReportRefresher, RunReader, writeReport } from '@dgm/report';
import { unpackTensors, type RunConfig, type SnapshotMessage } from '@dgm/protocol';
import { checkpointWriteFailure } from './checkpoint-failure.js';
import { saveSnapshotCheckpoint } from './checkpointing.js';
import type { MembershipEvent, StepRecord } from './options.js';
import { MetricsLog, sampleFileName, type RunPaths } from './run-directory.js';
import type { RunServices } from './run-services.js';
import { writeModelSamples } from './sample-grids.js';

export interface OutputSettings {
  config: RunConfig;
  configHash: string;
  keepCheckpoints: number;
  reportEveryMs: number;
  onStep: ((record: StepRecord) => void) | undefined;
  /** The members' history so far (saved in each checkpoint's state.json). */
  membership: () => readonly MembershipEvent[];
}

export class RunOutputs {
  private readonly metrics: MetricsLog | null;
  private readonly report: ReportRefresher | null;

  constructor(
    private readonly s: RunServices,
    private readonly o: OutputSettings,
    private readonly parts: ReplicaModel,
    private readonly dataset: Dataset,
    private readonly sampler: EpochSampler,
    private readonly paths: RunPaths | null,
  ) {
    this.metrics = paths ? new MetricsLog(paths.metrics) : null;
    // One reader for the whole run: each refresh parses only the metrics lines added since the last.
    const reader = paths ? new RunReader(paths.root) : null;
    this.report = paths
      ? new ReportRefresher(() => writeReport(paths.root, reader!), o.reportEveryMs, (error) => s.log.warn('could not write report.html', { reason: error.message }))
      : null;
  }

  /** Writes report.html now and keeps it current until close(). */
  startReport(): void {
    this.report?.start();
  }

  /** One step's metrics line: to metrics.jsonl and the onStep callback. */
  recordStep(record: StepRecord): void {
    this.metrics?.write(record);
    this.o.onStep?.(record);
  }

  /** Asks rank 0 for its full state and saves it as checkpoint `step` (without a run directory: nothing). */
  async checkpoint(step: number): Promise<void> {
    if (!this.paths) return;
    await this.saveCheckpoint(step, await this.fullSnapshot(step));
  }

  /** Rank 0's full state after `step` steps. */
  fullSnapshot(step: number): Promise<SnapshotMessage> {
    const s = this.s;
    return s.race(s.replies.request(s.membership.members[0], { type: 'SNAPSHOT_REQUEST', run: s.run, step, scope: 'full' }));
  }

  /** Saves `snap` as checkpoint `step`; resolves with its directory. */
  async saveCheckpoint(step: number, snap: SnapshotMessage): Promise<string> {
    const root = this.paths!.checkpoints;
    const saved = await this.s
      .race(saveSnapshotCheckpoint(root, this.parts, snap, { step, sampler: this.sampler, config: this.o.config, configHash: this.o.configHash, keep: this.o.keepCheckpoints, membership: this.o.membership() }))
      .catch(async (error: unknown) => {
        throw await checkpointWriteFailure(root, step, error);
      });
    this.s.log.info('checkpoint saved', { step, dir: saved.dir, bytes: saved.bytes });
    return saved.dir;
  }

  /** Writes a sample grid; with `fetch`, first loads rank 0's current weights into the coordinator's model. */
  async samples(step: number, fetch = true): Promise<void> {
    if (!this.paths) return;
    if (fetch) {
      const snap = await this.fullSnapshot(step);
      disposeOptimizerState(restoreState(this.parts.model, 'full', unpackTensors(snap.entries, snap.data)));
    }
    await writeModelSamples(join(this.paths.samples, sampleFileName(step)), this.parts.model, this.o.config.seed, this.dataset);
  }

  /** Flushes metrics.jsonl, then writes the final report.html. */
  async close(): Promise<void> {
    try {
      await this.metrics?.close();
    } finally {
      await this.report?.stop();
    }
  }
}
