/**
 * `tasklanes`: what an app's definition file imports. Lanes and task types
 * are declared here, checked when the definition is built, and read by the
 * Lambda runtime (`tasklanes/lambda`), the publisher (`tasklanes/publisher`),
 * the stack (`tasklanes/cdk`) and the local run (`tasklanes/local`).
 */
export { defineLane, LANE_DEFAULTS } from './definition/lanes.ts';
export { LIMIT_DEFAULTS } from './definition/task-limits.ts';
export {
  createDefinition,
  defineTask,
  DefinitionError,
  DeploymentTooLargeError,
  LaneOptionError,
  LimitOptionError,
  type Definition,
  type DefinitionInput,
} from './definition/registry.ts';
export { describeIssues, ENVELOPE_VERSION, envelopeSchema, type TaskEnvelope } from './definition/envelope.ts';
export { OUTCOMES, type Outcome } from './definition/metrics.ts';
export { heartbeatType } from './definition/schedule.ts';
export { queueUrlEnvName } from './definition/environment.ts';
export { PermanentError } from './runtime/errors.ts';
export type {
  ConcurrencyLimit,
  LaneDefinition,
  LaneOptions,
  PayloadsOf,
  ProvisionedPollers,
  RateLimit,
  ResolvedTaskType,
  TaskContext,
  TaskHandler,
  TaskSchedule,
  TaskTypeDefinition,
  TypedTaskType,
} from './definition/types.ts';
