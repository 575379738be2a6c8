/**
 * CloudWatch views of the consumer's EMF metrics for one lane, shared by the
 * alarms and the dashboard so both read exactly what the runtime writes.
 * No `unit` on purpose: a metric with a unit matches only data points written
 * with that same unit, so one unit slip in the runtime would blind an alarm.
 */
import type { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  DIMENSIONS,
  DURATION_METRIC,
  LATENCY_METRIC,
  OUTCOMES,
  RATE_DENOMINATOR_OUTCOMES,
  metricName,
  type Outcome,
  type TIMED_OUT,
} from '../definition/metrics.ts';

export class LaneTaskMetrics {
  private readonly namespace: string;
  private readonly lane: string;

  constructor(namespace: string, lane: string) {
    this.namespace = namespace;
    this.lane = lane;
  }

  /** Records of one outcome (or timed out), from the [lane, outcome] dimension set. */
  count(outcome: Outcome | typeof TIMED_OUT, period: Duration): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: metricName(outcome),
      dimensionsMap: { [DIMENSIONS.lane]: this.lane, [DIMENSIONS.outcome]: outcome },
      statistic: 'Sum',
      period,
      label: outcome,
    });
  }

  /** Duration of records with one outcome; `statistic` is e.g. `p99`. */
  duration(outcome: Outcome, statistic: string, period: Duration): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: DURATION_METRIC,
      dimensionsMap: { [DIMENSIONS.lane]: this.lane, [DIMENSIONS.outcome]: outcome },
      statistic,
      period,
      label: `${outcome} ${statistic}`,
    });
  }

  /** Records of one task type and outcome, from the [lane, type, outcome] dimension set (a lane's heartbeat, say). */
  typeCount(type: string, outcome: Outcome, period: Duration): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: metricName(outcome),
      dimensionsMap: { [DIMENSIONS.lane]: this.lane, [DIMENSIONS.type]: type, [DIMENSIONS.outcome]: outcome },
      statistic: 'Sum',
      period,
      label: `${type} ${outcome}`,
    });
  }

  /** Milliseconds from `createdAt` (a tick's scheduled time) to the outcome, for one task type and outcome. */
  typeLatency(type: string, outcome: Outcome, statistic: string, period: Duration): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: LATENCY_METRIC,
      dimensionsMap: { [DIMENSIONS.lane]: this.lane, [DIMENSIONS.type]: type, [DIMENSIONS.outcome]: outcome },
      statistic,
      period,
      label: `${type} latency ${statistic}`,
    });
  }

  /**
   * Percentage of the lane's deliveries that ended in one of `outcomes`
   * (timeouts are counted beside an outcome, so they are not in the total). Each
   * outcome is FILLed with 0 because one that did not occur in a window has
   * no data point and would blank the sum; a window with fewer than
   * `minimumTasks` records reads as 0 so a handful of tasks cannot page.
   */
  ratePercent(outcomes: readonly Outcome[], period: Duration, minimumTasks: number, label: string): MathExpression {
    // Deferrals count in the total only of their own rate (RATE_DENOMINATOR_OUTCOMES says why).
    const counted = OUTCOMES.filter((outcome) => RATE_DENOMINATOR_OUTCOMES.includes(outcome) || outcomes.includes(outcome));
    const counts = Object.fromEntries(counted.map((outcome) => [outcome, this.count(outcome, period)]));
    const sum = (names: readonly string[]) => names.map((name) => `FILL(${name}, 0)`).join(' + ');
    const total = new MathExpression({ expression: sum(counted), usingMetrics: counts, period, label: 'all outcomes' });
    return new MathExpression({
      expression: `IF(total >= ${minimumTasks}, 100 * (${sum(outcomes)}) / total, 0)`,
      usingMetrics: { ...counts, total },
      period,
      label,
    });
  }
}
