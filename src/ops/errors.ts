/**
 * The ops CLI's named errors. The CLI maps each to a message and an exit
 * code; library callers (the incident suite) catch them by class.
 */

/** Bad arguments: exit code 2, with the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class UnknownLaneError extends Error {
  override readonly name = 'UnknownLaneError';
  constructor(lane: string, known: readonly string[]) {
    super(`unknown lane "${lane}" (known: ${known.join(', ')})`);
  }
}

/** Neither a running local stack nor a stack name to look up. */
export class NoTargetError extends Error {
  override readonly name = 'NoTargetError';
}

export class StackNotFoundError extends Error {
  override readonly name = 'StackNotFoundError';
}

/** The stack exists but lacks an output this lane needs (deployed from another definition). */
export class StackOutputMissingError extends Error {
  override readonly name = 'StackOutputMissingError';
}

export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentialsError';
}

export class MissingRegionError extends Error {
  override readonly name = 'MissingRegionError';
}

/** A destructive command without a terminal to confirm on and without `--yes`. */
export class ConfirmationRequiredError extends Error {
  override readonly name = 'ConfirmationRequiredError';
}

/** The local stack's control API did not answer as expected. */
export class LocalControlError extends Error {
  override readonly name = 'LocalControlError';
}

/** A DLQ message move task could not be started or failed. */
export class RedriveError extends Error {
  override readonly name = 'RedriveError';
}

/** Some kept tasks could not be put back as copies; they reappear after the hold with one more receive. */
export class DropRestoreError extends Error {
  override readonly name = 'DropRestoreError';
}
