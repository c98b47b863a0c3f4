// What a receiver knows about legitimate messages, so the decoder can reject everything else
// by size before touching it (the parameter manifest gives the exact gradient sizes).

/** Bounds a decoder checks every received message against. All fields are optional. */
export interface DecodeLimits {
  /** Expected run id; any other id is rejected. */
  run?: string;
  /** Elements of the flattened gradient per phase (from the parameter manifests). */
  gradSizes?: Readonly<Record<string, number>>;
  /** Largest number of indices a STEP may carry (the global batch). */
  maxIndices?: number;
  /** Every STEP index must be below this (the dataset's sample count). */
  indexBound?: number;
  /** Largest packed STATE/SNAPSHOT payload in bytes. */
  maxStateBytes?: number;
  /** Largest header frame in bytes (WELCOME carries the config). */
  maxHeaderBytes?: number;
}

/** Default header bound: a config is a few kilobytes, so 1 MiB is generous and still cheap. */
export const DEFAULT_MAX_HEADER_BYTES = 1 << 20;
/** Default STATE/SNAPSHOT bound when the receiver has no manifest: 1 GiB. */
export const DEFAULT_MAX_STATE_BYTES = 1 << 30;
/** Most tensor entries a STATE/SNAPSHOT may list. */
export const MAX_TENSOR_ENTRIES = 100_000;
/** Longest string field (names, reasons, hashes) accepted in a header. */
export const MAX_STRING_LENGTH = 4096;
