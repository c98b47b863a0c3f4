/** Bad arguments to a sample-grid function; the message names the argument and what is allowed. */
export class SampleGridError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SampleGridError';
  }
}
