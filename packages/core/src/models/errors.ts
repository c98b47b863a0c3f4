/** Thrown for an unknown model name, an unknown option or an option value out of range. */
export class ModelOptionError extends Error {
  override name = 'ModelOptionError';
}
