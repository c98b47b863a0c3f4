// @dgm/cli: the `dgm` command. The library surface is what the command is built from, exported
// for tests and for programs that launch dgm runs themselves.
export { ExitCode, exitCodeOf, isRunFailure, isUserInputError, RunFailedError, UsageError } from './errors.js';
export { parseCommandArgs, formatCommandHelp, type CommandSpec, type OptionSpec, type ParsedArgs } from './args/command-spec.js';
export { readConfigFile, toFlagName } from './config/config-file.js';
export { coerceField, parseGpuValue, TRAIN_FIELDS, type FieldSpec, type TrainFieldName, type ValueSource } from './config/fields.js';
export { isOccupied, resolveTrainSettings, runTimestamp, TRAIN_DEFAULTS, type ResolveInput, type TrainSettings } from './config/train-settings.js';
export { datasetSlug, validateDatasetSpec } from './config/dataset-spec.js';
export { validateEndpoint } from './config/endpoint.js';
export { TRAJECTORY_FIELDS } from './config/resume-check.js';
export { readRunSettings, RUN_CONFIG_FILE, settingsFromRunConfig } from './config/run-config.js';
export * from './config/vocabulary.js';
export * from './gpu/index.js';
export * from './progress/index.js';
export { launchLocalWorkers, LocalWorkers, type LaunchOptions, type WorkerExit, type WorkerSlot } from './launch/local-workers.js';
