/** The record of what happened to one delivery: logged, counted, and offered to local observers. */
import type { Outcome } from '../definition/metrics.ts';

export interface OutcomeEvent {
  readonly lane: string;
  /** The envelope's type, or `unknown` when the body did not validate (a metric dimension: only the definition's types). */
  readonly type: string;
  /** The type a body that did not validate named, if any: for logs and people, not for metrics. */
  readonly namedType?: string;
  readonly outcome: Outcome;
  /** The task hit its timeout (counted in addition to `retried` or `deadLettered`). */
  readonly timedOut: boolean;
  /** The envelope's; for a body that did not validate, what it named, unchecked. */
  readonly tenant?: string;
  /** The task id, as `tenant`. */
  readonly id?: string;
  readonly dedupKey?: string;
  readonly messageId: string;
  readonly attempt: number;
  /** Milliseconds from the start of processing to the outcome. */
  readonly durationMs: number;
  /** Milliseconds from the envelope's `createdAt` to the outcome; absent when the body did not parse. */
  readonly latencyMs?: number;
  /** Why it failed, was dropped or was dead-lettered. */
  readonly reason?: string;
  /** A `deferred` task's copy (its SQS message id), which comes back after `delaySeconds` (docs/design.md#6-limits). */
  readonly deferredAs?: string;
  readonly delaySeconds?: number;
  /** Epoch milliseconds. */
  readonly at: number;
}

export type OutcomeListener = (event: OutcomeEvent) => void;
