/** Errors the publisher throws before anything reaches SQS. */

export class PublishError extends Error {
  override readonly name: string = 'PublishError';
}

/** The task type is not in the definition. */
export class UnknownTaskTypeError extends PublishError {
  override readonly name = 'UnknownTaskTypeError';
}

/** The payload or options fail the task type's schema or the envelope contract. */
export class InvalidTaskError extends PublishError {
  override readonly name = 'InvalidTaskError';
}

/** The message would exceed SQS's size limit. */
export class MessageTooLargeError extends PublishError {
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`message is ${bytes} bytes; SQS takes at most ${limit} bytes (store large payloads elsewhere and send a reference)`);
  }
}

/** No queue URL is configured for the task type's lane. */
export class MissingQueueUrlError extends PublishError {
  override readonly name = 'MissingQueueUrlError';
}

/**
 * The task's delay would end after its deadline (`notAfter`, else
 * `createdAt` + the type's max age): the consumer would count it expired and
 * never run it, so it is not sent. Set a later `notAfter`, or a shorter delay.
 */
export class DeliveryAfterDeadlineError extends PublishError {
  override readonly name = 'DeliveryAfterDeadlineError';
  constructor(
    readonly deliverAt: Date,
    readonly deadline: Date,
  ) {
    super(
      `the task would reach its lane at ${deliverAt.toISOString()}, after its deadline ${deadline.toISOString()}: the consumer would expire it unrun (set a later notAfter, or a shorter delay)`,
    );
  }
}
