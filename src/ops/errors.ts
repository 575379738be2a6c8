/**
 * The ops CLI's named errors. Every one extends OpsError, whose message is
 * the whole story (the CLI prints it without a stack trace and exits 1);
 * library callers (the incident suite, the dashboard) catch them by class.
 */

/** Base of every expected ops failure: a message for the operator, not a bug. */
export class OpsError extends Error {
  override readonly name: string = 'OpsError';
}

/** Bad arguments: exit code 2, with the command's help. */
export class UsageError extends OpsError {
  override readonly name: string = 'UsageError';
}

export class UnknownLaneError extends OpsError {
  override readonly name = 'UnknownLaneError';
  constructor(lane: string, known: readonly string[]) {
    super(`unknown lane "${lane}" (known: ${known.join(', ')})`);
  }
}

/** A task type the lane does not have: a filter on it could only ever match nothing. */
export class UnknownTaskTypeError extends OpsError {
  override readonly name = 'UnknownTaskTypeError';
  constructor(type: string, lane: string, known: readonly string[]) {
    super(`lane ${lane} has no task type "${type}" (its types: ${known.join(', ')})`);
  }
}

/** Neither a running local stack nor a stack name to look up. */
export class NoTargetError extends OpsError {
  override readonly name = 'NoTargetError';
}

export class StackNotFoundError extends OpsError {
  override readonly name = 'StackNotFoundError';
}

/** The stack exists but lacks an output this lane needs (deployed from another definition). */
export class StackOutputMissingError extends OpsError {
  override readonly name = 'StackOutputMissingError';
}

export class MissingCredentialsError extends OpsError {
  override readonly name = 'MissingCredentialsError';
}

export class MissingRegionError extends OpsError {
  override readonly name = 'MissingRegionError';
}

/** A destructive command without a terminal to confirm on and without `--yes`: called wrong for a script, so a usage error. */
export class ConfirmationRequiredError extends UsageError {
  override readonly name = 'ConfirmationRequiredError';
}

/** A server the target needs refused or did not answer the connection (a stopped local run, a wrong endpoint, no network). */
export class EndpointUnreachableError extends OpsError {
  override readonly name = 'EndpointUnreachableError';
}

/** The local stack's control API did not answer as expected. */
export class LocalControlError extends OpsError {
  override readonly name = 'LocalControlError';
}

/** The reason records of dead letters whose attributes did not fit could not all be read. */
export class DeadLetterRecordsError extends OpsError {
  override readonly name = 'DeadLetterRecordsError';
}

/** A DLQ message move task could not be started or failed. */
export class RedriveError extends OpsError {
  override readonly name = 'RedriveError';
}

/** Some kept tasks could not be put back as copies; they reappear after the hold with one more receive. */
export class DropRestoreError extends OpsError {
  override readonly name = 'DropRestoreError';
}
