/**
 * How a lane scales on AWS, and the rules AWS sets for it, checked by the
 * registry before synth so a lane AWS would reject never reaches a deploy.
 * Sources: Lambda's ProvisionedPollerConfig API reference and CloudFormation
 * schema, "Provisioned mode" in the Lambda Developer Guide, and the SQS event
 * source's ScalingConfig. No aws-cdk-lib here.
 */
import type { LaneOptions } from './types.ts';

/**
 * ProvisionedPollerConfig for an SQS mapping: MinimumPollers 2..200,
 * MaximumPollers 2..2000 (the Lambda API now documents up to 10,000 for SQS;
 * CloudFormation's resource schema, which a deploy goes through, stops at 2000).
 */
export const PROVISIONED_POLLERS = {
  minimum: { min: 2, max: 200 },
  maximum: { min: 2, max: 2000 },
} as const;

/** In provisioned mode, an SQS event poller runs up to this many concurrent invokes (Lambda Developer Guide). */
export const INVOKES_PER_POLLER = 10;

/** ScalingConfig.MaximumConcurrency of an SQS event source: 2..1000. */
export const MAXIMUM_CONCURRENCY = { min: 2, max: 1000 } as const;

/**
 * The most concurrent invocations of a lane's consumer. For SQS, AWS rejects
 * MaximumConcurrency beside ProvisionedPollerConfig: a provisioned lane's
 * concurrency is bounded by its maximum pollers instead, at
 * INVOKES_PER_POLLER each. `defineLane` derives `maxConcurrency` this way for
 * a lane with pollers, so the alarms and the local run see the same bound.
 */
export function provisionedConcurrency(pollers: NonNullable<LaneOptions['provisionedPollers']>): number {
  return pollers.maximum * INVOKES_PER_POLLER;
}
