/** The publisher client for apps: `new Publisher({ definition })`, then `publish` or `publishBatch`. */
export {
  Publisher,
  type BatchEntry,
  type BatchResult,
  type FailedEntry,
  type PublishOptions,
  type PublishedTask,
  type PublisherOptions,
} from './client.ts';
export { scheduleNameOf } from './schedule.ts';
export {
  ConflictingDelayError,
  DeliveryAfterDeadlineError,
  InvalidTaskError,
  MessageTooLargeError,
  MissingQueueUrlError,
  MissingSchedulerConfigError,
  PublishError,
  UnknownTaskTypeError,
} from './errors.ts';
