// tfjs-backend-wasm's Emscripten glue, when it instantiates in Node, adds process-wide
// 'uncaughtException' and 'unhandledRejection' listeners that rethrow. A rethrow from inside the
// fatal-exception handler makes Node exit with code 7 ("internal exception handler run-time
// failure") instead of reporting the error the usual way (exit 1), and a library has no business
// changing how its host process treats errors. So the listeners it adds are taken away again.

type Listener = (...args: unknown[]) => void;
/** The part of Node's `process` this needs (core also runs in browsers, where there is none). */
interface ErrorEvents {
  listeners(kind: string): Listener[];
  removeListener(kind: string, listener: Listener): unknown;
}
const KINDS = ['uncaughtException', 'unhandledRejection'] as const;

/** Runs `work`, then removes the process-wide error listeners it added (none outside Node). */
export async function withoutAddedErrorListeners<T>(work: () => Promise<T>): Promise<T> {
  const proc = (globalThis as { process?: Partial<ErrorEvents> }).process as ErrorEvents | undefined;
  if (typeof proc?.listeners !== 'function') return work();
  const before = new Map(KINDS.map((kind) => [kind, new Set(proc.listeners(kind))]));
  try {
    return await work();
  } finally {
    for (const kind of KINDS) {
      for (const listener of proc.listeners(kind)) if (!before.get(kind)!.has(listener)) proc.removeListener(kind, listener);
    }
  }
}
