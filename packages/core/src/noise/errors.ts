/** Thrown when a noise key, an index list or a dimension is outside what the generator accepts. */
export class NoiseKeyError extends Error {
  override name = 'NoiseKeyError';
}
