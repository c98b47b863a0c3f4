// What a report shows of one run directory, as read from its files: the types every renderer
// (report.html now, anything later) takes, so reading and drawing stay apart.

/** One metrics.jsonl line as the report reads it (the coordinator's StepRecord; fields added later are optional). */
export interface StepLine {
  step: number;
  epoch?: number;
  time?: string;
  losses: Record<string, number>;
  samples?: number;
  samplesPerSec?: number;
  stepMs?: number;
  computeMs?: number;
  commMs?: number;
  reduceMs?: number;
  workers?: number;
  /** Learning rate the step applied. */
  lr?: number;
  /** Each rank's own compute time, in rank order: a straggler shows as one line above the rest. */
  workerComputeMs?: number[];
}

/** One `dgm eval` result appended to eval.jsonl. */
export interface EvalRecord {
  time: string;
  step: number;
  checkpoint: string;
  family: 'vae' | 'gan';
  dataset: string;
  count: number;
  /** VAEs: test ELBO and its parts, nats per image. */
  elbo?: number;
  reconstruction?: number;
  kl?: number;
  /** GANs: FID, its real-vs-real floor, classifier score (and on real data), class histograms. */
  fid?: number;
  floorFid?: number;
  classifierScore?: number;
  realClassifierScore?: number;
  classHistogram?: number[];
  realClassHistogram?: number[];
}

/** A worker as the coordinator admitted it. */
export interface WorkerInfo {
  rank: number;
  pid?: number;
  host?: string;
  backend?: string;
  device?: string;
}

/** How the run was launched and where it stands, from its logs. */
export interface LaunchInfo {
  command: string | null;
  backend: string | null;
  dataPlane: string | null;
  workers: WorkerInfo[];
  status: 'running' | 'finished' | 'stopped' | 'failed' | 'unknown';
  /** Why it failed or stopped, or how it finished. */
  statusDetail: string | null;
}

/**
 * A line of the run's history worth showing: joins, the data plane, checkpoints, warnings and
 * errors. The seam for membership and fault events: elastic runs add their kinds here.
 */
export interface RunEvent {
  time: string;
  level: 'info' | 'warn' | 'error';
  process: string;
  message: string;
}

export interface SampleGridFile {
  step: number;
  file: string;
  png: Uint8Array;
}

export interface RunView {
  dir: string;
  name: string;
  renderedAt: string;
  config: { config: Record<string, unknown>; configHash: string | null } | null;
  launch: LaunchInfo;
  /** One line per step (the newest line of a step a resumed run repeated), by step. */
  steps: StepLine[];
  /** The grids shown (at most MAX_GRIDS, evenly spread, always the newest), by step. */
  grids: SampleGridFile[];
  /** How many grids the run has (more than `grids` holds when spread out). */
  gridCount: number;
  evaluations: EvalRecord[];
  events: RunEvent[];
  /** What is missing, damaged or still being written: each one sentence the page shows on top. */
  notices: string[];
}
