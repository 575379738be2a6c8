/**
 * Timings derived from a lane's definition, used by the stack, the local
 * provisioning and the runtime alike so that they always agree.
 */
import {
  FUNCTION_TIMEOUT_MARGIN_SECONDS,
  LEASE_MARGIN_SECONDS,
  SHORT_VISIBILITY_SLACK_SECONDS,
  VISIBILITY_TIMEOUT_FACTOR,
  WORKER_START_GRACE_SECONDS,
} from './limits.ts';
import type { Definition } from './registry.ts';

/** The consumer's (Lambda function's) timeout: the lane's longest task timeout plus a margin. */
export function consumerTimeoutSeconds(definition: Definition, lane: string): number {
  return definition.maxTaskTimeoutSeconds(lane) + FUNCTION_TIMEOUT_MARGIN_SECONDS;
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
 * first delivery may still run: the lane's longest task, a worker's start-up
 * when the lane is isolated, and slack. Local runs and tests use it so that
 * retries come within seconds; the stack keeps AWS's 6x rule.
 */
export function shortVisibilitySeconds(definition: Definition, lane: string): number {
  const grace = definition.lane(lane).isolation === 'worker' ? WORKER_START_GRACE_SECONDS : 0;
  return definition.maxTaskTimeoutSeconds(lane) + grace + SHORT_VISIBILITY_SLACK_SECONDS;
}
