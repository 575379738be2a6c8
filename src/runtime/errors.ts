/**
 * Named errors that decide what happens to a record. The pipeline branches on
 * these classes, never on message text.
 */

/** Retrying cannot help (bad input, a rejected request): dead-letter at once with this reason. */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
}

/**
 * What a body that failed validation says of itself: its `id`, `type` and
 * `tenant` where they are strings, cut to the envelope's limits. Not
 * validated, so for logs and people, never for keys or metric dimensions.
 */
export interface NamedFields {
  readonly id?: string;
  readonly type?: string;
  readonly tenant?: string;
}

/** The envelope or payload failed validation: a permanent failure. */
export class ValidationError extends PermanentError {
  readonly named: NamedFields;
  override readonly name = 'ValidationError';
  constructor(message: string, named: NamedFields = {}) {
    super(message);
    this.named = named;
  }
}

/** The task ran past its timeout. Retryable: the next attempt may be faster. */
export class TaskTimeoutError extends Error {
  readonly timeoutSeconds: number;
  override readonly name = 'TaskTimeoutError';
  constructor(timeoutSeconds: number) {
    super(`task did not finish within ${timeoutSeconds}s`);
    this.timeoutSeconds = timeoutSeconds;
  }
}

/** Another copy of this same receive (SQS delivered it twice) holds the dedup lease. Retryable: that copy runs the task. */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
}

/** The worker thread running an isolated task died (crash, out of memory). Retryable. */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError';
}
