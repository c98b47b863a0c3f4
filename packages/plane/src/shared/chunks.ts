// Which part of a phase's gradient each rank averages on the shared-memory plane: contiguous
// chunks, as even as whole 4-float lanes allow (the sum kernel works in lanes), in rank order.

/** [start, end) of rank's chunk of a `size`-float gradient split over `worldSize` ranks. */
export function chunkOf(size: number, worldSize: number, rank: number): [number, number] {
  const per = Math.ceil(size / worldSize / 4) * 4;
  const start = Math.min(rank * per, size);
  return [start, Math.min(start + per, size)];
}

/** The longest chunk any rank gets of a `size`-float gradient. */
export function largestChunk(size: number, worldSize: number): number {
  return Math.min(size, Math.ceil(size / worldSize / 4) * 4);
}
