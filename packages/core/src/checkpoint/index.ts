// Public surface of checkpoint/: crash-safe checkpoints of models + optimizer state on disk,
// and a file:// router so stock tf.loadLayersModel reads them in Node without tfjs-node.
export { CheckpointError } from './errors.js';
export { writeFileAtomic } from './atomic-write.js';
export { LATEST_FILE, MANIFEST_FILE, STATE_FILE, MODEL_JSON_FILE, WEIGHTS_FILE, TEMP_PREFIX, checkpointName, parseCheckpointName, optimizerFiles } from './layout.js';
export { sha256Hex, verifyManifest, type ManifestEntry } from './sha256-manifest.js';
export { layersModelToFiles, type LayersModelFiles } from './layers-artifacts.js';
export { encodeOptimizerPhase, decodeOptimizerPhase, type OptimizerStateJson } from './optimizer-state.js';
export { canonicalJson, configHashOf, type CheckpointState, type SamplerCursor } from './state.js';
export { listCheckpoints, readLatestName, type CheckpointListing } from './listing.js';
export { saveCheckpoint, pruneCheckpoints, type SaveCheckpointInput, type SaveCheckpointOptions, type SaveStage, type SavedCheckpoint } from './save.js';
export {
  loadCheckpoint,
  latestValidCheckpoint,
  resolveCheckpointDir,
  resolveCheckpointsRoot,
  verifyCheckpoint,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  type ValidCheckpoint,
} from './load.js';
export { restoreModelWeights } from './restore-weights.js';
export { registerFileSystemRouter, fileUrlToPath } from './file-router.js';
