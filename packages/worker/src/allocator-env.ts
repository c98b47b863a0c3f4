// The C allocator's settings for a worker process (glibc's malloc, through GLIBC_TUNABLES).
//
// Every gradient chunk a worker receives from a ring neighbour is a fresh 256 KiB malloc in
// ZeroMQ's I/O thread, freed on the main thread only when V8 collects the Buffer around it. With
// glibc's defaults the arena gives its free top back to the kernel as soon as it passes twice the
// (dynamic) mmap threshold, so the next chunks fault their pages in again and the kernel clears
// each page: on 10 Gbit/s links that page traffic was a large part of a worker's CPU (BENCHMARKS
// "The ring's receive path"). Here allocations below 32 MiB (the ceiling glibc's moving threshold
// would reach by itself) stay in the heap, and the heap is trimmed only past 64 MiB: a worker
// keeps at most that much freed memory per arena, and the receive path stops faulting. Setting
// either tunable fixes both thresholds (glibc stops moving them), so the mmap threshold must sit
// above every message a worker receives often: at 1 MiB, 1 MiB frames were mmap'd and faulted
// in one by one, 4× slower than with the defaults.
//
// glibc reads GLIBC_TUNABLES once, when a process starts, so the launcher sets it for the workers
// it starts. A tunable the user set already is left as it is (that is also how to turn these
// off); other C libraries (musl, macOS) ignore the variable, as does a preloaded jemalloc.
// Imports nothing: launchers load it cheaply through '@dgm/worker/device'.

/** The settings a worker gets, by glibc tunable name. */
export const ALLOCATOR_TUNABLES: Readonly<Record<string, string>> = {
  'glibc.malloc.mmap_threshold': String(32 << 20),
  'glibc.malloc.trim_threshold': String(64 << 20),
};

/**
 * `env` (not modified) with ALLOCATOR_TUNABLES added to GLIBC_TUNABLES: appended to what it
 * holds (colon-separated `name=value`), except for a tunable it names already.
 */
export function withAllocatorTunables(env: Readonly<Record<string, string>>): Record<string, string> {
  const given = (env.GLIBC_TUNABLES ?? '').split(':').filter((entry) => entry !== '');
  const named = new Set(given.map((entry) => entry.split('=')[0]));
  const added = Object.entries(ALLOCATOR_TUNABLES).filter(([name]) => !named.has(name)).map(([name, value]) => `${name}=${value}`);
  if (added.length === 0) return { ...env };
  return { ...env, GLIBC_TUNABLES: [...given, ...added].join(':') };
}
