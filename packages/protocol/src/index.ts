// @dgm/protocol: what coordinator and workers say to each other, and how it travels.
export { PROTOCOL_VERSION } from './version.js';
export * from './kinds.js';
export { encodeMessage, decodeMessage, type DecodeResult } from './codec.js';
export * from './limits.js';
export { frameOf, float32Of, int32Of } from './tensor-frames.js';
export { packTensors, unpackTensors, elementCount, type NamedValues } from './tensor-pack.js';
export { canonicalJson, configHash } from './config-hash.js';
export { routerOptions, dealerOptions, HIGH_WATER_MARK, type Liveness } from './socket-options.js';
export { checkAddress, AddressError } from './address.js';
export { checkRunConfig, RunConfigError, type RunConfig } from './run-config.js';
export { BoundedWait, AwaitedReply } from './bounded-wait.js';
export { SendQueue } from './send-queue.js';
