/**
 * The stack's tunables beyond the lane definition, with their defaults in one
 * place. Lane numbers (timeouts, concurrency, age thresholds) come from the
 * definition; these are the operational choices around them.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_ALARM_OPTIONS, type AlarmOptions } from '../definition/alarm-thresholds.ts';

export interface ConsumerOptions {
  /** Lambda scales CPU with memory; `worker` lanes run CPU-bound tasks. Default 1024. */
  readonly memorySizeMb: number;
  /** Retention of each consumer's log group. Default one month. */
  readonly logRetention: RetentionDays;
  /**
   * Ship the bundle's source map and run the consumer with
   * `--enable-source-maps`, so an error's stack names the app's source files
   * and lines instead of positions in one minified line. Default true: what
   * it costs is measured in docs/deploy.md#source-maps (a larger zip, and
   * the first error's stack of each execution environment built more
   * slowly); a `bundling.sourceMap` given to the stack wins over it.
   */
  readonly sourceMap: boolean;
}

export interface DedupTableOptions {
  /** Default true: the table is what stops a replay from re-running finished work (incident 000, docs/incidents.md#000-stale-replay). */
  readonly deletionProtection: boolean;
  /** Default RETAIN, for the same reason. */
  readonly removalPolicy: RemovalPolicy;
}

/** How EventBridge Scheduler delivers the ticks of scheduled task types (heartbeats included). */
export interface ScheduleOptions {
  /**
   * Longest flexible time window of a `rate(...)` schedule, which EventBridge
   * may use to spread invocations; a schedule's window is also at most half
   * its interval so ticks never bunch up. Heartbeats and `cron(...)`
   * schedules get none (see schedules.ts). Default 15.
   */
  readonly maxFlexibleWindowMinutes: number;
  /**
   * Scheduler retries of a failed SendMessage. Default 3: a tick's dedup key
   * is its scheduled time, so a retry can never run the work twice, and a
   * few retries ride out a throttle; beyond that, the next tick comes anyway.
   */
  readonly retryAttempts: number;
}

export interface TasklanesOptions {
  readonly consumer: ConsumerOptions;
  readonly dedupTable: DedupTableOptions;
  readonly alarms: AlarmOptions;
  readonly schedules: ScheduleOptions;
}

export const DEFAULT_OPTIONS: TasklanesOptions = {
  consumer: { memorySizeMb: 1024, logRetention: RetentionDays.ONE_MONTH, sourceMap: true },
  dedupTable: { deletionProtection: true, removalPolicy: RemovalPolicy.RETAIN },
  alarms: DEFAULT_ALARM_OPTIONS,
  schedules: { maxFlexibleWindowMinutes: 15, retryAttempts: 3 },
};

export type TasklanesOptionsInput = { readonly [K in keyof TasklanesOptions]?: Partial<TasklanesOptions[K]> };

export function resolveOptions(input: TasklanesOptionsInput = {}): TasklanesOptions {
  return {
    consumer: { ...DEFAULT_OPTIONS.consumer, ...input.consumer },
    dedupTable: { ...DEFAULT_OPTIONS.dedupTable, ...input.dedupTable },
    alarms: { ...DEFAULT_OPTIONS.alarms, ...input.alarms },
    schedules: { ...DEFAULT_OPTIONS.schedules, ...input.schedules },
  };
}
