// The shared-memory segments of local workers that are gone. A segment's name goes as soon as
// every peer opened it, so only a worker that dies before the first average (killed while the
// run starts, say) leaves one; its launcher, which outlives it, removes it when the run ends.
/** Removes the segments in /dev/shm of processes that no longer exist; returns their names. */
export async function removeDeadWorkerSegments(): Promise<string[]> {
  const { removeOrphans } = await import('@dgm/plane');
  return removeOrphans();
}
