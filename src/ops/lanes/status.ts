/** One row per lane: what is waiting, in flight, delayed, how old, what is dead-lettered, and whether it is consumed. */
import type { OpsTarget } from '../target/target.ts';

export interface LaneStatus {
  readonly lane: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  /** Undefined when there is no data point (AWS: CloudWatch has none yet). */
  readonly oldestAgeSeconds: number | undefined;
  readonly dlqVisible: number;
  readonly consumerEnabled: boolean;
}

export async function laneStatus(target: OpsTarget, lane: string): Promise<LaneStatus> {
  const queues = target.queues(lane);
  const [counts, dlq, oldestAgeSeconds, consumerEnabled] = await Promise.all([
    target.counts(queues.queueUrl),
    target.counts(queues.dlqUrl),
    target.oldestAgeSeconds(lane),
    target.consumerEnabled(lane),
  ]);
  return { lane, ...counts, oldestAgeSeconds, dlqVisible: dlq.visible, consumerEnabled };
}

/** Every lane of the target, in definition order. */
export function statusOfLanes(target: OpsTarget): Promise<LaneStatus[]> {
  return Promise.all(target.lanes.map((lane) => laneStatus(target, lane)));
}
