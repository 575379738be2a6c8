/**
 * CloudWatch views of a lane's event source mapping metrics (AWS/Lambda,
 * dimension EventSourceMappingUUID), which Lambda publishes only for a mapping
 * with `MetricsConfig: { Metrics: ['EventCount'] }` (lane.ts turns it on).
 * For an SQS mapping Lambda publishes PolledEventCount, FilteredOutEventCount,
 * InvokedEventCount, FailedInvokeEventCount and DeletedEventCount, and
 * ProvisionedPollers in provisioned mode; DroppedEventCount and
 * OnFailureDestinationDeliveredEventCount are stream-only (Lambda Developer
 * Guide, "Event source mapping metrics"). Shared by the alarms and the dashboard.
 */
import type { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Lane } from './lane.ts';
import type { LaneTaskMetrics } from './task-metrics.ts';

/** The metric group that turns the counts below on. */
export const MAPPING_METRIC_GROUP = 'EventCount';

export const MAPPING_METRICS = {
  /** Records read from the queue; 0 on an empty poll, nothing at all from a mapping that does not poll. */
  polled: 'PolledEventCount',
  /** Records that did not match the mapping's filter criteria; for SQS, Lambda deletes them unseen. */
  filteredOut: 'FilteredOutEventCount',
  /** Records the function was invoked with (counted again on each retry of a failed or throttled invoke). */
  invoked: 'InvokedEventCount',
  /** Records of invokes that failed, plus, with partial batch responses, the records the function reported failed. */
  failedInvoke: 'FailedInvokeEventCount',
  /** Records deleted after processing. */
  deleted: 'DeletedEventCount',
  /** Event pollers running, in provisioned mode. */
  provisionedPollers: 'ProvisionedPollers',
} as const;

export type MappingMetric = keyof typeof MAPPING_METRICS;

export class LaneMappingMetrics {
  private readonly lane: Lane;

  constructor(lane: Lane) {
    this.lane = lane;
  }

  metric(name: MappingMetric, period: Duration, statistic = 'Sum'): Metric {
    return new Metric({
      namespace: 'AWS/Lambda',
      metricName: MAPPING_METRICS[name],
      dimensionsMap: { EventSourceMappingUUID: this.lane.eventSource.eventSourceMappingId },
      statistic,
      period,
      label: MAPPING_METRICS[name],
    });
  }

  /**
   * Records the mapping failed to invoke the consumer with, beyond those the
   * consumer itself reported for a retry: FailedInvokeEventCount counts both,
   * and every record the consumer reports failed is one `retried` outcome
   * (src/runtime/pipeline.ts). What is left failed as a whole invocation:
   * the consumer crashed or timed out, or Lambda could not invoke it at all
   * (permissions, a deleted function, throttling). Never below 0: a retry
   * counted in one period and its failed invoke in the next must not offset
   * a real failure.
   */
  wholeInvocationFailures(tasks: LaneTaskMetrics, period: Duration, label: string): MathExpression {
    const difference = new MathExpression({
      expression: 'FILL(failedInvoke, 0) - FILL(retried, 0)',
      usingMetrics: { failedInvoke: this.metric('failedInvoke', period), retried: tasks.count('retried', period) },
      period,
      label: 'failed invokes beyond retries',
    });
    return new MathExpression({ expression: 'IF(difference > 0, difference, 0)', usingMetrics: { difference }, period, label });
  }
}
