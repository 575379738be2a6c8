/** Errors the publisher throws before anything reaches SQS or EventBridge Scheduler. */

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

/** The message would exceed SQS's size limit, or (a task sent by a schedule) the limit of a schedule's target input. */
export class MessageTooLargeError extends PublishError {
  readonly bytes: number;
  readonly limit: number;
  /** Whose limit: SQS's message, or EventBridge Scheduler's target input (a `runAt` beyond SQS's delay). */
  readonly carrier: 'SQS' | 'an EventBridge Scheduler target input';
  override readonly name = 'MessageTooLargeError';
  constructor(bytes: number, limit: number, carrier: MessageTooLargeError['carrier'] = 'SQS') {
    super(`message is ${bytes} bytes; ${carrier} takes at most ${limit} bytes (store large payloads elsewhere and send a reference)`);
    this.bytes = bytes;
    this.limit = limit;
    this.carrier = carrier;
  }
}

/** `runAt` and `delaySeconds` both given: each says when the task is delivered, so only one may. */
export class ConflictingDelayError extends PublishError {
  override readonly name = 'ConflictingDelayError';
  constructor() {
    super('give runAt or delaySeconds, not both: each sets when the task reaches its lane');
  }
}

/**
 * A `runAt` beyond SQS's 15-minute delay needs an EventBridge Scheduler
 * schedule group and the role Scheduler sends with (the stack's outputs
 * ScheduleGroupName and SchedulerRoleArn), and none was configured.
 */
export class MissingSchedulerConfigError extends PublishError {
  override readonly name = 'MissingSchedulerConfigError';
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
  readonly deliverAt: Date;
  readonly deadline: Date;
  override readonly name = 'DeliveryAfterDeadlineError';
  constructor(deliverAt: Date, deadline: Date) {
    super(
      `the task would reach its lane at ${deliverAt.toISOString()}, after its deadline ${deadline.toISOString()}: the consumer would expire it unrun (set a later notAfter, or a shorter delay)`,
    );
    this.deliverAt = deliverAt;
    this.deadline = deadline;
  }
}
