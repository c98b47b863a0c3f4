// dgm's own variables, for a job started by hand or by a launcher dgm does not know: DGM_RANK,
// DGM_WORLD_SIZE, DGM_LOCAL_RANK, DGM_MASTER_ADDR, DGM_PORT (flags --rank, --world-size,
// --master-addr, --port say the same and win). DGM_MASTER_ADDR and DGM_PORT also override what
// any other engine says (placement.ts).
import { UsageError } from '../../errors.js';
import { checkRank, EnvReader, type EngineReading } from './reading.js';

export function isDgm(env: NodeJS.ProcessEnv): boolean {
  return env.DGM_RANK !== undefined || env.DGM_WORLD_SIZE !== undefined;
}

export function readDgm(env: NodeJS.ProcessEnv): EngineReading {
  const r = new EnvReader(env, 'dgm (DGM_RANK or DGM_WORLD_SIZE is set)');
  const why = 'DGM_RANK and DGM_WORLD_SIZE go together';
  const rank = r.needInt('DGM_RANK', 0, why);
  const worldSize = r.needInt('DGM_WORLD_SIZE', 1, why);
  checkRank('DGM_RANK', rank, 'DGM_WORLD_SIZE', worldSize);
  const localRank = r.int('DGM_LOCAL_RANK', 0) ?? 0;
  // Read in placement.ts (they override every engine); a job of several processes needs both.
  if (worldSize > 1 && env.DGM_MASTER_ADDR === undefined) {
    throw new UsageError(`DGM_WORLD_SIZE=${worldSize} needs DGM_MASTER_ADDR, the host of rank 0 where the coordinator listens.`);
  }
  if (env.DGM_PORT === undefined) throw new UsageError('DGM_RANK and DGM_WORLD_SIZE need DGM_PORT, the port the coordinator listens on.');
  return { engine: 'dgm', rank, worldSize, localRank, workersPerProcess: null, masterAddr: worldSize === 1 ? '127.0.0.1' : null, port: null, portFrom: null, read: r.read };
}
