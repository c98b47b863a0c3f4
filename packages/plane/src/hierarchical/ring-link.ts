// What the ring reducer needs from its place in the ring, whatever carries the bytes: the chunks
// of a fixed schedule (RingReducer.ring) to the successor and from the predecessor, every wait
// bounded, a lost neighbour an error naming its host. Two transports implement it:
//   zmq-ring-link.ts  ZeroMQ PUSH/PULL, CURVE when the run has keys (a closed run's only choice);
//   tcp-ring-link.ts  one plain TCP connection per neighbour whose reads land in reused buffers
//                     (no allocation or copy per chunk in the runtime): a keyless run's choice.

/** What identifies a chunk in the schedule: step, phase (index), stage (0 reduce-scatter, 1 all-gather), hop, chunk. */
export type ChunkKey = readonly [step: number, phase: number, stage: number, hop: number, chunk: number];

/** A received chunk: its payload and the sample count its values average over. */
export interface Chunk {
  payload: Uint8Array;
  samples: number;
}

/** A ring neighbour as the setup names it. */
export interface RingPeer {
  rank: number;
  host: string;
  address: string;
  key: string | null;
}

/** The ring lost a neighbour (silent, unreachable, out of step, or a send that could not leave). */
export class RingLinkError extends Error {
  override name = 'RingLinkError';
}

export interface RingLink {
  /**
   * Queues `payload` for the successor under `key`, with the sample count its values average
   * over (sends leave in order). The transport reads `payload` after send() returns (no copy):
   * the caller must not write it again until the ring has moved on (RingReducer's alternating
   * buffers, and flushed() at the end of each call).
   */
  send(key: ChunkKey, payload: Uint8Array, samples: number): void;
  /** Chunk `key` from the predecessor; rejects after the time limit naming its host. */
  receive(key: ChunkKey): Promise<Chunk>;
  /** The caller is done with `chunk`'s payload: the transport may land the next bytes there. */
  release(chunk: Chunk): void;
  /** Every send queued so far has left (or the link failed). */
  flushed(): Promise<void>;
  /** Rejects the waiting receive and every later one with `error`. */
  fail(error: Error): void;
  readonly failed: Error | null;
  close(): void;
}
