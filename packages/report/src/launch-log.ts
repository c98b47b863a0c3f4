// How a run was launched and what happened to it, from the JSON lines of its logs: the CLI's
// `run` event (the command), the coordinator's start, joins, data plane, checkpoints, warnings,
// errors and its last word.
import { parseJsonLines } from './jsonl.js';
import type { LaunchInfo, RunEvent, WorkerInfo } from './run-view.js';

/** Most events a report lists (the newest ones): a flood of warnings must not bury the page. */
export const MAX_EVENTS = 200;

/** Info lines of the coordinator worth listing besides every warning and error. */
const NOTABLE = [/^worker joined$/, /^worker rejected$/, /^all workers joined/, /^data plane: /, /^checkpoint saved$/, /^resumed/, /^run finished$/, /^run stopped$/, /^a worker left/, /^worker rank \d+ \(.*\) joined at step \d+/];

type LogLine = Record<string, unknown> & { message?: unknown; level?: unknown; timestamp?: unknown };

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) : undefined);

function lines(log: string | null): LogLine[] {
  if (log === null) return [];
  return parseJsonLines(log).values.map((v) => v.value).filter((v): v is LogLine => v !== null && typeof v === 'object');
}

/** Launch facts and events from logs/coordinator.log and logs/cli.log (either may be absent). */
export function readLaunch(coordinatorLog: string | null, cliLog: string | null): { launch: LaunchInfo; events: RunEvent[] } {
  const launch: LaunchInfo = { command: null, backend: null, dataPlane: null, workers: [], status: 'unknown', statusDetail: null };
  const events: RunEvent[] = [];
  for (const l of lines(cliLog)) {
    if (l.message === 'run' && typeof l.command === 'string') launch.command = l.command;
  }
  const coordinator = lines(coordinatorLog);
  if (coordinator.length > 0) launch.status = 'running';
  const workers = new Map<number, WorkerInfo>();
  for (const l of coordinator) {
    const message = text(l.message) ?? '';
    const level = l.level === 'warn' || l.level === 'error' ? l.level : 'info';
    if (message === 'coordinator starting') launch.backend = text(l.backend) ?? launch.backend;
    if (message.startsWith('data plane: ')) launch.dataPlane = message.slice('data plane: '.length);
    if (message === 'worker joined' && int(l.rank) !== undefined) {
      workers.set(l.rank as number, { rank: l.rank as number, pid: int(l.pid), host: text(l.host), backend: text(l.backend), device: text(l.device) });
    }
    if (message === 'run finished') {
      launch.status = 'finished';
      launch.statusDetail = `finished ${int(l.steps) ?? '?'} steps`;
    }
    if (message === 'run stopped') {
      launch.status = 'stopped';
      launch.statusDetail = `stopped after ${int(l.steps) ?? '?'} steps (${text(l.reason) ?? 'asked to stop'})`;
    }
    if (level === 'error') {
      launch.status = 'failed';
      launch.statusDetail = message;
    }
    if (level !== 'info' || NOTABLE.some((re) => re.test(message))) {
      const detail = text(l.reason) ? `: ${text(l.reason)}` : int(l.rank) !== undefined && message.startsWith('worker') ? ` (rank ${l.rank} on ${text(l.host) ?? '?'})` : '';
      events.push({ time: text(l.timestamp) ?? '', level, process: text(l.process) ?? 'coordinator', message: message + detail });
    }
  }
  launch.workers = [...workers.values()].sort((a, b) => a.rank - b.rank);
  return { launch, events: events.slice(-MAX_EVENTS) };
}
