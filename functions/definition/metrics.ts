/**
 * Outcome and metric names shared by the runtime (which emits them as
 * CloudWatch EMF) and the stack (which alarms and charts on them).
 */

/** What happened to one delivery of a task. Exactly one per processed record. */
export const OUTCOMES = [
  'succeeded',
  'retried',
  'deadLettered',
  'expired',
  'duplicate',
  'coalesced',
  'overlapSkipped',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Counted in addition to a delivery's outcome: a timed-out task is also
 * `retried` or `deadLettered`.
 */
export const TIMED_OUT = 'timedOut' as const;

/** Metric name of an outcome count: `expired` -> `TaskExpired`. */
export function metricName(outcome: Outcome | typeof TIMED_OUT): string {
  return `Task${outcome.charAt(0).toUpperCase()}${outcome.slice(1)}`;
}

/** Handler duration in milliseconds, per outcome. */
export const DURATION_METRIC = 'TaskDuration';

/** Dimension names, and the two dimension sets every metric is emitted with. */
export const DIMENSIONS = { lane: 'lane', type: 'type', outcome: 'outcome' } as const;
export const DIMENSION_SETS = [
  [DIMENSIONS.lane, DIMENSIONS.type, DIMENSIONS.outcome],
  [DIMENSIONS.lane, DIMENSIONS.outcome],
] as const;
