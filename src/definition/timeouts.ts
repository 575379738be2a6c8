/**
 * Timings derived from a lane's definition, used by the stack, the local
 * provisioning and the runtime alike so that they always agree.
 */
import {
  FUNCTION_TIMEOUT_MARGIN_SECONDS,
  LEASE_MARGIN_SECONDS,
  SHORT_VISIBILITY_SLACK_SECONDS,
  VISIBILITY_TIMEOUT_FACTOR,
  WORKER_REPLY_GRACE_SECONDS,
  WORKER_START_TIMEOUT_SECONDS,
} from './limits.ts';
import type { Definition } from './registry.ts';
import type { LaneDefinition } from './types.ts';

/**
 * Seconds a task may take beyond its timeout because of its lane's isolation:
 * in a `worker` lane, the wait for a thread to start (bounded, outside the
 * timeout) and the grace for its answer; none inline.
 */
export function isolationOverheadSeconds(isolation: LaneDefinition['isolation']): number {
  return isolation === 'worker' ? WORKER_START_TIMEOUT_SECONDS + WORKER_REPLY_GRACE_SECONDS : 0;
}

/** The consumer's (Lambda function's) timeout: the lane's longest task, with its isolation's overhead, plus a margin to settle. */
export function consumerTimeoutSeconds(definition: Definition, lane: string): number {
  return (
    definition.maxTaskTimeoutSeconds(lane) + isolationOverheadSeconds(definition.lane(lane).isolation) + FUNCTION_TIMEOUT_MARGIN_SECONDS
  );
}

/** Queue visibility timeout: AWS recommends at least 6x the consumer's timeout for SQS event sources. */
export function visibilityTimeoutSeconds(definition: Definition, lane: string): number {
  return VISIBILITY_TIMEOUT_FACTOR * consumerTimeoutSeconds(definition, lane);
}

/** How long a dedup claim is held: the task's timeout plus time to settle it. */
export function leaseSeconds(taskTimeoutSeconds: number): number {
  return taskTimeoutSeconds + LEASE_MARGIN_SECONDS;
}

/**
 * The shortest visibility timeout that never brings a record back while its
 * first delivery may still run: the lane's longest task, its isolation's
 * overhead (a worker's start-up bound and answer grace: a record that comes
 * back while its first delivery waits for a thread would take its claim over
 * and run twice), and slack. Local runs and tests use it so that retries come
 * within seconds; the stack keeps AWS's 6x rule.
 */
export function shortVisibilitySeconds(definition: Definition, lane: string): number {
  return (
    definition.maxTaskTimeoutSeconds(lane) + isolationOverheadSeconds(definition.lane(lane).isolation) + SHORT_VISIBILITY_SLACK_SECONDS
  );
}
