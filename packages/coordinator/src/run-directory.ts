// Paths of the run directory (DESIGN.md: config.json, metrics.jsonl, logs/, samples/,
// checkpoints/) and the two files the coordinator writes line by line.
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@dgm/core/node';

export interface RunPaths {
  root: string;
  config: string;
  metrics: string;
  logs: string;
  samples: string;
  checkpoints: string;
}

export function runPaths(root: string): RunPaths {
  return {
    root,
    config: join(root, 'config.json'),
    metrics: join(root, 'metrics.jsonl'),
    logs: join(root, 'logs'),
    samples: join(root, 'samples'),
    checkpoints: join(root, 'checkpoints'),
  };
}

/** `step-NNNNNN.png`: six digits so names sort by step. */
export function sampleFileName(step: number): string {
  return `step-${String(step).padStart(6, '0')}.png`;
}

/** Creates the run directory's folders and writes config.json (resolved config + its hash). */
export async function prepareRunDirectory(paths: RunPaths, config: unknown, hash: string): Promise<void> {
  await mkdir(paths.logs, { recursive: true });
  await mkdir(paths.samples, { recursive: true });
  await mkdir(paths.checkpoints, { recursive: true });
  await writeFileAtomic(paths.config, `${JSON.stringify({ config, configHash: hash }, null, 2)}\n`);
}

/**
 * A resumed run starts again after its checkpoint's step: the lines of metrics.jsonl past that
 * step describe training that was thrown away and is about to be done again, so they are
 * dropped (not marked): every step then has one line, the one of the weights the run kept, and
 * every reader (the report, TensorBoard's purge of the same steps, jq, pandas) is right without
 * knowing a convention. Lines without a step, or not JSON, are kept as they are. Returns how
 * many lines were dropped.
 */
export async function truncateMetrics(path: string, keepThroughStep: number): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 0; // no metrics yet
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const kept = lines.filter((line) => {
    try {
      const step = (JSON.parse(line) as { step?: unknown } | null)?.step;
      return typeof step !== 'number' || step <= keepThroughStep;
    } catch {
      return true;
    }
  });
  const dropped = lines.length - kept.length;
  if (dropped > 0) await writeFileAtomic(path, kept.map((l) => `${l}\n`).join(''));
  return dropped;
}

/** metrics.jsonl: one JSON object per line, appended (a resumed run continues the same file). */
export class MetricsLog {
  private readonly stream: WriteStream;
  private failure: Error | null = null;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  write(record: object): void {
    if (this.failure) throw this.failure;
    this.stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end(() => (this.failure ? reject(this.failure) : resolve()));
    });
  }
}
