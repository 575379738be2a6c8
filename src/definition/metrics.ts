/**
 * Names of the EMF metrics the consumer writes and the stack alarms and
 * graphs on. One list, so a renamed outcome breaks the build, not an alarm.
 * Must never import aws-cdk-lib (the Lambda bundle imports it).
 */

/**
 * Every outcome of processing one record. The consumer emits exactly one
 * outcome count per record and delivery: the rate alarms divide by the sum
 * of all outcomes, so a record counted twice would dilute every rate.
 */
export const OUTCOMES = [
  'succeeded',
  'retried',
  'deadLettered',
  'expired',
  'duplicate',
  'coalesced',
  'overlapSkipped',
  'deferred',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/**
 * Counted in addition to a delivery's outcome, never instead of it: a task
 * that timed out is also `retried` or `deadLettered`. Not part of OUTCOMES,
 * so it never enters a rate's denominator.
 */
export const TIMED_OUT = 'timedOut' as const;

const METRIC_NAMES: Readonly<Record<Outcome | typeof TIMED_OUT, string>> = {
  succeeded: 'TaskSucceeded',
  retried: 'TaskRetried',
  deadLettered: 'TaskDeadLettered',
  expired: 'TaskExpired',
  duplicate: 'TaskDuplicate',
  coalesced: 'TaskCoalesced',
  overlapSkipped: 'TaskOverlapSkipped',
  deferred: 'TaskDeferred',
  timedOut: 'TaskTimedOut',
};

/** The Count metric of an outcome, e.g. `TaskDeadLettered`. */
export function metricName(outcome: Outcome | typeof TIMED_OUT): string {
  return METRIC_NAMES[outcome];
}

/** Milliseconds a record took, emitted with the record's outcome dimension. */
export const DURATION_METRIC = 'TaskDuration';

/** Milliseconds from the task's `createdAt` (for a scheduled tick: its scheduled time) to its outcome. */
export const LATENCY_METRIC = 'TaskLatency';

/** Dimension names. */
export const DIMENSIONS = { lane: 'lane', type: 'type', outcome: 'outcome' } as const;

/**
 * The EMF dimension sets. The second one exists so per-lane alarms and
 * graphs need no SEARCH over task types (alarms cannot use SEARCH).
 */
export const DIMENSION_SETS: readonly (readonly string[])[] = [
  [DIMENSIONS.lane, DIMENSIONS.type, DIMENSIONS.outcome],
  [DIMENSIONS.lane, DIMENSIONS.outcome],
];

/**
 * The outcomes the rate alarms divide by: every outcome but `deferred`. A
 * deferred task comes back as a copy that ends in an outcome of its own, so
 * counting its deferrals too would dilute every rate exactly when a flood
 * hits a limit (docs/design.md#6-limits).
 */
export const RATE_DENOMINATOR_OUTCOMES: readonly Outcome[] = OUTCOMES.filter((outcome) => outcome !== 'deferred');

/** Outcomes where the task did not get done on this delivery (the failure-rate alarm's numerator). */
export const FAILURE_OUTCOMES: readonly Outcome[] = ['retried', 'deadLettered'];
