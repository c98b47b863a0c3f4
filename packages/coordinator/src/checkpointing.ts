// Checkpoints of a distributed run: the coordinator asks rank 0 for a full SNAPSHOT, loads it
// into its own copy of the model and optimizer (built from the same config), and saves that with
// core's saveCheckpoint, so a checkpoint is exactly a replica's state after a completed step.
import { configHash, unpackTensors, type RunConfig, type SnapshotMessage } from '@dgm/protocol';
import { latestValidCheckpoint, loadCheckpoint, restoreModelWeights, saveCheckpoint, type SavedCheckpoint } from '@dgm/core/node';
import type { EpochSampler } from '@dgm/core/node';
import { disposeOptimizerState, restoreState, type ReplicaModel } from '@dgm/core';
import { CoordinatorOptionsError } from './errors.js';
import type { MembershipEvent } from './options.js';

/** What a resume continues from: the steps done, and the members' history of the run (elastic runs). */
export interface ResumePoint {
  step: number;
  membership: MembershipEvent[];
}

/** A checkpoint's membership history as saved by saveSnapshotCheckpoint (anything else: none). */
function membershipOf(extra: Record<string, unknown> | undefined): MembershipEvent[] {
  const saved = extra?.membership;
  return Array.isArray(saved) ? saved.filter((e): e is MembershipEvent => typeof e === 'object' && e !== null && (e.event === 'left' || e.event === 'joined')) : [];
}

/**
 * Hash of what a resumed run must share with the saved one: the config minus `steps`, which a
 * resume may raise to train longer.
 */
export function resumeCompatibilityHash(config: RunConfig): string {
  return configHash({ ...config, steps: 0 });
}

/** Saves `snapshot` (rank 0's full state after `step` completed steps) as checkpoint `step`. */
export async function saveSnapshotCheckpoint(
  root: string,
  parts: ReplicaModel,
  snapshot: SnapshotMessage,
  o: { step: number; sampler: EpochSampler; config: RunConfig; configHash: string; keep: number; membership: readonly MembershipEvent[] },
): Promise<SavedCheckpoint> {
  const slots = restoreState(parts.model, 'full', unpackTensors(snapshot.entries, snapshot.data));
  try {
    const next = o.sampler.cursorAt(o.step);
    const manifestHashes: Record<string, string> = {};
    for (const [phase, m] of Object.entries(parts.trainer.manifests)) if (m) manifestHashes[phase] = m.hash;
    return await saveCheckpoint(
      root,
      {
        step: o.step,
        epoch: next.epoch,
        sampler: { epoch: next.epoch, step: next.step },
        seed: o.config.seed,
        config: o.config,
        configHash: o.configHash,
        model: parts.model,
        optimizerState: slots,
        manifestHashes,
        // The members' history (elastic runs) goes on in a resumed run.
        extra: { weightsHash: snapshot.hash, resumeHash: resumeCompatibilityHash(o.config), ...(o.membership.length > 0 ? { membership: o.membership } : {}) },
      },
      { keep: o.keep },
    );
  } finally {
    disposeOptimizerState(slots);
  }
}

/**
 * Loads the newest valid checkpoint of `runDir` into `parts` (weights and optimizer state) and
 * returns the number of completed steps (0 when there is none yet) and the members' history.
 */
export async function resumeFrom(runDir: string, parts: ReplicaModel, config: RunConfig, log: (msg: string) => void): Promise<ResumePoint> {
  let valid;
  try {
    valid = await latestValidCheckpoint(runDir, { log });
  } catch {
    return { step: 0, membership: [] }; // no checkpoints folder yet: a fresh run
  }
  if (valid === null) return { step: 0, membership: [] };
  const saved = valid.state.extra?.resumeHash;
  if (saved !== resumeCompatibilityHash(config)) {
    throw new CoordinatorOptionsError(
      `checkpoint ${valid.dir} was made with another config (model, data, seed, batch or trainer options differ); resume with the config in ${runDir}/config.json or start a new run directory.`,
    );
  }
  const loaded = await loadCheckpoint(valid.dir, { models: false });
  try {
    restoreModelWeights(parts.model, loaded);
    await parts.trainer.setOptimizerState(loaded.optimizerState);
  } finally {
    loaded.dispose();
  }
  log(`resuming from ${valid.dir} (${valid.step} steps done)`);
  return { step: valid.step, membership: membershipOf(valid.state.extra) };
}
