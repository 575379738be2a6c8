/**
 * How many lanes one deployment can hold, from CloudFormation's quotas per
 * template ("Understand CloudFormation quotas"): 500 resources and 200
 * outputs. A lane costs about two dozen resources (queue, DLQ, consumer,
 * mapping, roles, schedules, alarms), so a stack holding the lanes itself
 * stops near 20 of them; with each lane in a nested stack of its own the
 * resources are spread, and what binds is the outputs the top-level stack
 * declares per lane (stack-outputs.ts). The stack checks its real templates
 * at synth (src/cdk/capacity.ts); this is the bound the definition checks
 * before any of that.
 */
import { NESTED_LANE_OUTPUTS, SHARED_OUTPUTS } from './stack-outputs.ts';

export const CLOUDFORMATION_QUOTAS = {
  /** Resources declared in one template. */
  resources: 500,
  /** Outputs declared in one template. */
  outputs: 200,
} as const;

/** The most lanes any layout fits: 64, at 3 outputs each beside 7 shared in the top-level stack. */
export const MAX_LANES_PER_DEPLOYMENT = Math.floor((CLOUDFORMATION_QUOTAS.outputs - SHARED_OUTPUTS.length) / NESTED_LANE_OUTPUTS.length);
