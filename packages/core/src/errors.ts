// @dgm/core/errors: the two bases every dgm package's errors extend, loadable without tfjs, so a
// front end (the CLI) can classify any error — input (exit 2), run failure or bug (exit 1) — by
// `instanceof` before, or without, loading a model. index.ts re-exports the same module, so a
// class is the same object whichever entry loaded it.
export { DgmInputError, isInputError } from './input-error.js';
export { DgmRunError, isRunError } from './run-error.js';
