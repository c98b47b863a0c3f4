// '@dgm/plane/bench': the planes' parts one by one, for tools/bench (the all-reduce benchmark
// drives both ends of a plane directly, without a run around them). Not for the runtime.
export { RemoteReducer, StarRound, GradientAverager } from './star/index.js';
export { SharedMemoryReducer, PeerTurns, sharedStages, chunkOf, OwnSegment, PeerSegment, segmentLayout, sharedMemoryId } from './shared/index.js';
export { WeightedSum } from './averaging/weighted-sum.js';
export { WeightedAverage } from './averaging/weighted-average.js';
export { Bf16Kernel } from './hierarchical/bf16-kernel.js';
export { Fp16Kernel } from './hierarchical/fp16-kernel.js';
export { encodeHalves, decodeChunk } from './hierarchical/wire-codec.js';
export { TcpRingLink } from './hierarchical/tcp-ring-link.js';
export { TcpRingListener } from './hierarchical/tcp-ring-listener.js';
export { encodeFrameHeader } from './hierarchical/tcp-ring-wire.js';
