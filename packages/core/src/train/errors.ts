/** Thrown for bad Trainer options, a malformed batch, a bad optimizer state or a misbehaving reducer. */
export class TrainerInputError extends Error {
  override name = 'TrainerInputError';
}
