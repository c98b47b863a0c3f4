// What a launch engine tells one process about its place in the job, and the checks every
// engine's reader shares: a variable is read once, recorded for the first log line, and a bad or
// missing one is one sentence naming it (UsageError: exit 2).
import { UsageError } from '../../errors.js';

export type EngineName = 'dgm' | 'torchrun' | 'open-mpi' | 'kubeflow-trainer' | 'pytorchjob' | 'slurm';

/** One process's place in a job, as its engine's variables say. */
export interface EngineReading {
  engine: EngineName;
  /** This process's rank among the job's `dgm launch` processes. */
  rank: number;
  /** How many `dgm launch` processes the job has. */
  worldSize: number;
  /** Rank among the processes on this node (picks this process's GPU in the per-GPU shape). */
  localRank: number;
  /** Worker processes this process should start, when the engine says (Kubeflow Trainer's PET_NPROC_PER_NODE); else null. */
  workersPerProcess: number | null;
  /** Host of rank 0 (where the coordinator listens), or null when the engine does not say. */
  masterAddr: string | null;
  /** The coordinator's port, or null when the engine does not say. */
  port: number | null;
  /** How the port was found, for the first log line (e.g. 'MASTER_PORT+1'). */
  portFrom: string | null;
  /** NAME=value of every variable read, in reading order. */
  read: string[];
}

/** Reads variables for one engine, recording each one read. */
export class EnvReader {
  readonly read: string[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly engine: string,
  ) {}

  /** The raw value, or undefined (recorded when present). */
  text(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined || value.trim() === '') return undefined;
    this.read.push(`${name}=${value}`);
    return value.trim();
  }

  /** A required value. */
  need(name: string, why: string): string {
    const value = this.text(name);
    if (value === undefined) throw new UsageError(`${this.engine} was detected but ${name} is not set; ${why}.`);
    return value;
  }

  /** A whole number of at least `min`, or undefined when absent. */
  int(name: string, min: number): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (!/^\d{1,9}$/.test(value) || Number(value) < min) {
      throw new UsageError(`${name}='${value}' (from ${this.engine}) must be a whole number of at least ${min}.`);
    }
    return Number(value);
  }

  /** A required whole number. */
  needInt(name: string, min: number, why: string): number {
    const value = this.int(name, min);
    if (value === undefined) throw new UsageError(`${this.engine} was detected but ${name} is not set; ${why}.`);
    return value;
  }

  /** A TCP port (1-65535), or undefined. */
  port(name: string): number | undefined {
    const value = this.int(name, 1);
    if (value !== undefined && value > 65535) throw new UsageError(`${name}=${value} (from ${this.engine}) is not a TCP port; use 1-65535.`);
    return value;
  }
}

/** Throws when a rank is not below its size: the variables contradict each other. */
export function checkRank(rankName: string, rank: number, sizeName: string, size: number): void {
  if (rank >= size) throw new UsageError(`${rankName}=${rank} contradicts ${sizeName}=${size}: a rank must be below the number of ranks.`);
}
