/**
 * Fixed numbers that both the stack and the runtime derive timings from.
 * Kept in one place so the visibility timeout, the Lambda timeout and the
 * dedup lease always agree.
 */

/** Seconds added to a task's timeout for its dedup lease (claim, mark done, DLQ send). */
export const LEASE_MARGIN_SECONDS = 30;

/** Seconds the consumer function gets beyond the longest task timeout of its lane. */
export const FUNCTION_TIMEOUT_MARGIN_SECONDS = 10;

/** AWS recommends a queue visibility timeout of at least 6x the consumer function's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** SQS message size limit (body plus attributes) since 2025: 1 MiB. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Longest SQS DelaySeconds: 15 minutes. A task due later is delivered by an EventBridge Scheduler one-time schedule. */
export const MAX_DELAY_SECONDS = 900;

/** EventBridge Scheduler's limit on a target's Input (API reference, Target): 256 KB, what a scheduled task's SendMessage request must fit. */
export const MAX_SCHEDULE_INPUT_BYTES = 256 * 1024;

/** A message carries at most 10 message attributes. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

/** SendMessageBatch takes at most 10 entries. */
export const MAX_BATCH_ENTRIES = 10;

/**
 * Retention of every queue, the lane's and its DLQ: the SQS maximum, 14 days.
 * A task waiting in a paused or backed-up lane is expired (and counted) by
 * the consumer at its max age, instead of being dropped unseen by SQS at the
 * 4-day default; so no task type may have a longer max age.
 */
export const QUEUE_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** Lambda's hard limit for a function timeout. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;

/**
 * Seconds a worker thread gets beyond a task's timeout to answer before it is
 * terminated: the request and the reply cross the thread boundary, and a
 * handler that yields sends its own timeout error back. Its start-up is not in
 * it: the task is posted once the thread says it is ready.
 */
export const WORKER_REPLY_GRACE_SECONDS = 2;

/**
 * Longest a task waits for a worker thread to start (load the entry and call
 * serveTaskWorker), outside its timeout; a thread not ready by then fails the
 * task as not started. Measured on a 2-core machine with the incident
 * definition loaded through tsx: 0.4-0.7 s idle, 1.1-2.1 s with three CPU
 * hogs, 3.5-4.3 s for five threads starting at once under them; a Lambda
 * bundle loads faster. A start-up beyond this is broken, not slow. With the
 * reply grace it stays well inside LEASE_MARGIN_SECONDS, so the dedup claim
 * of a task that waited for its thread outlasts its run.
 */
export const WORKER_START_TIMEOUT_SECONDS = 15;

/** Scheduling slack of short local visibility timeouts: a batch settles before its messages come back, even on a loaded machine. */
export const SHORT_VISIBILITY_SLACK_SECONDS = 3;
