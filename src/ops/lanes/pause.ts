/**
 * Pause and resume a lane's consumption (the event source mapping on AWS,
 * the poller locally). Messages stay in the queue; only receiving stops.
 */
import type { OpsTarget } from '../target/target.ts';

export interface ConsumerChange {
  readonly lane: string;
  readonly wasEnabled: boolean;
  readonly enabled: boolean;
}

export async function pauseLane(target: OpsTarget, lane: string): Promise<ConsumerChange> {
  const wasEnabled = await target.consumerEnabled(lane);
  if (wasEnabled) await target.pause(lane);
  return { lane, wasEnabled, enabled: await target.consumerEnabled(lane) };
}

export async function resumeLane(target: OpsTarget, lane: string): Promise<ConsumerChange> {
  const wasEnabled = await target.consumerEnabled(lane);
  if (!wasEnabled) await target.resume(lane);
  return { lane, wasEnabled, enabled: await target.consumerEnabled(lane) };
}
