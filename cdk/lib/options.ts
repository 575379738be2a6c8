/**
 * The stack's tunables beyond the lane definition, with their defaults in one
 * place. Lane numbers (timeouts, concurrency, age thresholds) come from the
 * definition; these are the operational choices around them.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { LaneDefinition } from '../../functions/definition/types.ts';

export interface ConsumerOptions {
  /** Lambda scales CPU with memory; `worker` lanes run CPU-bound tasks. Default 1024. */
  readonly memorySizeMb: number;
  /** Retention of each consumer's log group. Default one month. */
  readonly logRetention: RetentionDays;
}

export interface DedupTableOptions {
  /** Default true: the table is what stops a replay from re-running finished work (incident 000). */
  readonly deletionProtection: boolean;
  /** Default RETAIN, for the same reason. */
  readonly removalPolicy: RemovalPolicy;
}

/** Thresholds of the alarms; evaluation windows are fixed per alarm in `alarms.ts`, with the reason. */
export interface AlarmOptions {
  /** Page when more than this percentage of a lane's tasks expired (deadline passed, never run). Default 5. */
  readonly expiredRatePercent: number;
  /** Page when more than this percentage was coalesced into a running claim. Default 25. */
  readonly coalescedRatePercent: number;
  /** Page when more than this percentage was dropped as already done (incident 003's signature). Default 10. */
  readonly duplicateRatePercent: number;
  /** Page when more than this percentage was retried or dead-lettered. Default 10. */
  readonly failureRatePercent: number;
  /** Rates are computed over windows of this many minutes. Default 5. */
  readonly ratePeriodMinutes: number;
  /** A window with fewer tasks than this reads as rate 0: two tasks, one expired, is not an incident. Default 10. */
  readonly rateMinimumTasks: number;
  /** Consumer invocation errors per minute above which to page. Default 0: the consumer must never crash. */
  readonly consumerErrors: number;
  /** Consumer throttles per 5 minutes above which to page. Default 0. */
  readonly consumerThrottles: number;
  /** Visible messages per lane above which to page; lanes not listed use `defaultBacklogThreshold`. */
  readonly backlogMessages: Readonly<Record<string, number>>;
}

export interface TasklanesOptions {
  readonly consumer: ConsumerOptions;
  readonly dedupTable: DedupTableOptions;
  readonly alarms: AlarmOptions;
}

export const DEFAULT_OPTIONS: TasklanesOptions = {
  consumer: { memorySizeMb: 1024, logRetention: RetentionDays.ONE_MONTH },
  dedupTable: { deletionProtection: true, removalPolicy: RemovalPolicy.RETAIN },
  alarms: {
    expiredRatePercent: 5,
    coalescedRatePercent: 25,
    duplicateRatePercent: 10,
    failureRatePercent: 10,
    ratePeriodMinutes: 5,
    rateMinimumTasks: 10,
    consumerErrors: 0,
    consumerThrottles: 0,
    backlogMessages: {},
  },
};

export type TasklanesOptionsInput = { readonly [K in keyof TasklanesOptions]?: Partial<TasklanesOptions[K]> };

export function resolveOptions(input: TasklanesOptionsInput = {}): TasklanesOptions {
  return {
    consumer: { ...DEFAULT_OPTIONS.consumer, ...input.consumer },
    dedupTable: { ...DEFAULT_OPTIONS.dedupTable, ...input.dedupTable },
    alarms: { ...DEFAULT_OPTIONS.alarms, ...input.alarms },
  };
}

/**
 * Messages a lane cannot work off within its age threshold even if every
 * task ran to its timeout at full concurrency: past this, the age alarm is
 * only minutes away, and a flood (incident 004) shows here first.
 */
export function defaultBacklogThreshold(lane: LaneDefinition, maxTaskTimeoutSeconds: number): number {
  const rounds = Math.max(1, Math.ceil(lane.queueAgeAlarmSeconds / maxTaskTimeoutSeconds));
  return lane.maxConcurrency * lane.batchSize * rounds;
}
