// @dgm/report/tensorboard: a run's scalars as TensorBoard event files.
export { EventFileWriter, stepScalars, type Scalars } from './event-writer.js';
export { maskedCrc32c, tfRecord } from './records.js';
export { EVENT_PROTO } from './event-proto.js';
