/** Errors of the app-facing commands (`init`, `dev`): an OpsError, so the CLI prints the message alone. */
import { OpsError } from '../ops/errors.ts';

/** `tasklanes dev` cannot load or run the app's definition. */
export class DevError extends OpsError {
  override readonly name = 'DevError';
}

/** `tasklanes init` would overwrite something, or cannot write the starter. */
export class InitError extends OpsError {
  override readonly name = 'InitError';
}
