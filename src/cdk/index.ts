/**
 * `tasklanes/cdk`: the infrastructure of an app's lanes. `Tasklanes` goes
 * into an existing stack; `TasklanesStack` is a stack holding only it.
 * aws-cdk-lib and constructs are the app's (peer dependencies).
 */
export { Tasklanes, type LaneStackLayout, type TasklanesProps } from './tasklanes.ts';
export { TasklanesStack, type TasklanesStackProps } from './tasklanes-stack.ts';
export { CONSUMER_BUNDLING } from './consumer-bundling.ts';
export {
  DEFAULT_OPTIONS,
  type ConsumerOptions,
  type DedupTableOptions,
  type ScheduleOptions,
  type TasklanesOptions,
  type TasklanesOptionsInput,
} from './options.ts';
export { DEFAULT_ALARM_OPTIONS, type AlarmOptions } from '../definition/alarm-thresholds.ts';
export { Lane } from './lane.ts';
export { LaneAlarms } from './alarms.ts';
export { LaneDashboard, TasklanesDashboard } from './dashboard.ts';
export { DedupTable } from './dedup-table.ts';
