// Each local worker sees exactly one GPU: the rule lives in @dgm/worker/device (one place for
// the launcher here and for `dgm worker --gpus`), imported without loading tfjs or ZeroMQ.
import { workerEnv as pinnedEnv, type GpuId } from '@dgm/worker/device';

/**
 * The environment of one local worker process.
 * @param base the parent's environment (copied, never modified)
 * @param gpu the device for this worker (an index or a UUID as granted), or null for a CPU worker (which is shown no GPU)
 */
export function workerEnv(base: NodeJS.ProcessEnv, gpu: GpuId | null): NodeJS.ProcessEnv {
  return pinnedEnv(base, { gpu });
}
