/**
 * The numbers the lane alarms compare against, shared by the stack's
 * CloudWatch alarms (src/cdk/alarms.ts) and the local alarm evaluator
 * (src/local/alarms.ts), so both page at the same point. Pure data and
 * arithmetic: no aws-cdk-lib here.
 */
import { QUEUE_RETENTION_SECONDS } from './limits.ts';
import { FAILURE_OUTCOMES, type Outcome } from './metrics.ts';
import type { Definition } from './registry.ts';
import { visibilityTimeoutSeconds } from './timeouts.ts';
import { laneUsesLimits } from './task-limits.ts';
import type { LaneDefinition } from './types.ts';

/** Short names of a lane's alarms, as the stack names them (`<stack>-<lane>-<name>`) and the local evaluator reports them. */
export const LANE_ALARM_NAMES = [
  'QueueAge',
  'DeadLetters',
  'NewDeadLetters',
  'DeadLetterExpiry',
  'Backlog',
  'ConsumerErrors',
  'ConsumerThrottles',
  'InvokeFailures',
  'MappingDropped',
  'ExpiredRate',
  'CoalescedRate',
  'DuplicateRate',
  'FailureRate',
  'DeferredRate',
  'HeartbeatMissing',
  'HeartbeatDelay',
] as const;

export type LaneAlarmName = (typeof LANE_ALARM_NAMES)[number];

/**
 * Alarms on what only the Lambda service measures (the function's errors and
 * throttles, the event source mapping's counts): the local evaluator has no
 * counterpart for them and leaves them out.
 */
export const LAMBDA_SERVICE_ALARMS: readonly LaneAlarmName[] = ['ConsumerErrors', 'ConsumerThrottles', 'InvokeFailures', 'MappingDropped'];

/** Thresholds of the alarms; evaluation windows are fixed per alarm in `src/cdk/alarms.ts`, with the reason. */
export interface AlarmOptions {
  /** Page when more than this percentage of a lane's tasks expired (deadline passed, never run). Default 5. */
  readonly expiredRatePercent: number;
  /** Page when more than this percentage was coalesced into a running claim. Default 25. */
  readonly coalescedRatePercent: number;
  /** Page when more than this percentage was dropped as already done (the signature of incident 003, docs/incidents.md#003-tenants-same-keys). Default 10. */
  readonly duplicateRatePercent: number;
  /** Page when more than this percentage was retried or dead-lettered. Default 10. */
  readonly failureRatePercent: number;
  /**
   * Lanes with limits only: page when more than this percentage of the lane's
   * deliveries were deferred (over a limit, docs/design.md#6-limits). Default
   * 50: a flood is deferred by design, but most of a lane's deliveries being
   * copies for 10 minutes means a key is held back for good.
   */
  readonly deferredRatePercent: number;
  /** Rates are computed over windows of this many minutes. Default 5. */
  readonly ratePeriodMinutes: number;
  /** A window with fewer tasks than this reads as rate 0: two tasks, one expired, is not an incident. Default 10. */
  readonly rateMinimumTasks: number;
  /** Consumer invocation errors per minute above which to page. Default 0: the consumer must never crash. */
  readonly consumerErrors: number;
  /** Consumer throttles per 5 minutes above which to page. Default 0. */
  readonly consumerThrottles: number;
  /**
   * Records per 5 minutes whose invocation failed as a whole (the mapping's
   * FailedInvokeEventCount beyond the consumer's own `retried` reports) above
   * which to page. Default 0: the consumer reports every failure per record.
   */
  readonly invokeFailures: number;
  /** Visible messages per lane above which to page; lanes not listed use `defaultBacklogThreshold`. */
  readonly backlogMessages: Readonly<Record<string, number>>;
  /**
   * Heartbeat intervals in a row without a successful heartbeat before the
   * lane is declared dead. Default 3: one late or lost tick (a scheduler
   * retry, a cold start) must not page; three in a row is not bad luck.
   */
  readonly heartbeatMissingIntervals: number;
  /**
   * Hours before a dead letter's retention ends at which DeadLetterExpiry
   * pages. Default 48: two days to read the reason, fix the cause and
   * redrive or republish, over a weekend.
   */
  readonly deadLetterExpiryWarningHours: number;
}

export const DEFAULT_ALARM_OPTIONS: AlarmOptions = {
  expiredRatePercent: 5,
  coalescedRatePercent: 25,
  duplicateRatePercent: 10,
  failureRatePercent: 10,
  deferredRatePercent: 50,
  ratePeriodMinutes: 5,
  rateMinimumTasks: 10,
  consumerErrors: 0,
  consumerThrottles: 0,
  invokeFailures: 0,
  backlogMessages: {},
  heartbeatMissingIntervals: 3,
  deadLetterExpiryWarningHours: 48,
};

/**
 * The dead-letter alarms of a lane, one table for the stack and the local
 * evaluator (docs/deploy.md#alarms-and-dashboard).
 *
 * - NewDeadLetters watches the inflow. The consumer sends every letter it
 *   dead-letters itself, so the DLQ's NumberOfMessagesSent counts each one
 *   (cdk-monitoring-constructs alarms on the same metric); locally, the
 *   letters in the DLQ sent within the window. It fires for every minute
 *   in which letters arrived and is OK after a quiet one, so a new letter
 *   pages even while older ones wait.
 * - DeadLetters watches the depth: it stays in ALARM while anything waits in
 *   the DLQ, notifying only when the DLQ stops and starts being empty. It is
 *   the backlog someone must decide on (redrive, republish or delete), and
 *   the one signal for letters SQS's redrive policy moved itself after
 *   maxReceiveCount, which NumberOfMessagesSent does not count.
 */
export interface DeadLetterAlarm {
  readonly alarm: LaneAlarmName;
  /** `inflow`: letters sent to the DLQ within the period; `depth`: letters waiting in it. */
  readonly measures: 'inflow' | 'depth';
  /** Minutes of one data point; one breaching data point fires. */
  readonly periodMinutes: number;
  /** Fires above this many letters: every letter is a task that will not run unless someone acts. */
  readonly threshold: number;
}

export const DEAD_LETTER_ALARMS: readonly DeadLetterAlarm[] = [
  { alarm: 'DeadLetters', measures: 'depth', periodMinutes: 1, threshold: 0 },
  { alarm: 'NewDeadLetters', measures: 'inflow', periodMinutes: 1, threshold: 0 },
];

/** Options of AlarmOptions that hold a rate alarm's threshold, in percent. */
type RateOption = 'expiredRatePercent' | 'coalescedRatePercent' | 'duplicateRatePercent' | 'failureRatePercent' | 'deferredRatePercent';

export interface RateAlarm {
  readonly alarm: LaneAlarmName;
  /** Outcomes counted in the numerator; every outcome of the lane is the denominator. */
  readonly outcomes: readonly Outcome[];
  readonly option: RateOption;
  /** What the tasks counted did, completing "over N% of the lane's tasks ...". */
  readonly what: string;
  /** The first thing on-call checks, appended to the CloudWatch alarm's description. */
  readonly firstStep: string;
  /** Only on lanes whose types have limits: no other lane defers. */
  readonly onlyWithLimits?: boolean;
}

/** Whether a lane gets a rate alarm: those of limits only where its types have limits. */
export function rateAlarmApplies(spec: RateAlarm, definition: Definition, lane: string): boolean {
  return !spec.onlyWithLimits || laneUsesLimits(definition.tasksOf(lane));
}

/** The rate alarms: alarm -> outcomes -> threshold option, read by the stack's alarms and the local evaluator alike. */
export const RATE_ALARMS: readonly RateAlarm[] = [
  {
    alarm: 'ExpiredRate',
    outcomes: ['expired'],
    option: 'expiredRatePercent',
    what: 'expired: their deadline passed and they were dropped without running',
    firstStep:
      "The lane is running behind, or publishers send stale tasks. First: check this lane's age and backlog; the TaskExpired log lines name the type and tenant.",
  },
  {
    alarm: 'CoalescedRate',
    outcomes: ['coalesced'],
    option: 'coalescedRatePercent',
    what: 'were coalesced into a claim another delivery holds',
    firstStep:
      'A client is re-publishing running work in a loop (incident 004), or claims are not released. First: find the type and tenant in the TaskCoalesced log lines; check leaseUntil of their dedup records.',
  },
  {
    alarm: 'DuplicateRate',
    outcomes: ['duplicate'],
    option: 'duplicateRatePercent',
    what: 'were dropped as duplicates of finished work',
    firstStep:
      'This is what a dedup bug that silently discards valid work looks like (incident 003). First: do the TaskDuplicate log lines show distinct jobs sharing one dedup key? Then roll back the last dedup-key change and republish the dropped tasks.',
  },
  {
    alarm: 'FailureRate',
    outcomes: FAILURE_OUTCOMES,
    option: 'failureRatePercent',
    what: 'were retried or dead-lettered',
    firstStep:
      'First: the log lines with those outcomes name the error and type (timeouts among them show on the dashboard); check the downstream service they call.',
  },
  {
    alarm: 'DeferredRate',
    outcomes: ['deferred'],
    option: 'deferredRatePercent',
    what: 'were deferred: over a per-key concurrency or rate limit, sent back delayed',
    firstStep:
      'One tenant or key is flooding the lane, or its limit is set too low for its traffic. First: the TaskDeferred log lines name the limit and key in their reason; drop that class of tasks with the ops CLI if it is a flood, or raise the limit.',
    onlyWithLimits: true,
  },
];

/**
 * Messages a lane cannot work off within its age threshold even if every
 * task ran to its timeout at full concurrency: past this, the age alarm is
 * only minutes away, and a flood (incident 004, docs/incidents.md#004-flood)
 * shows here first.
 */
export function defaultBacklogThreshold(lane: LaneDefinition, maxTaskTimeoutSeconds: number): number {
  const rounds = Math.max(1, Math.ceil(lane.queueAgeAlarmSeconds / maxTaskTimeoutSeconds));
  return lane.maxConcurrency * lane.batchSize * rounds;
}

/** The Backlog alarm's threshold of a lane: its override from the options, else the default formula. */
export function backlogThreshold(options: AlarmOptions, lane: LaneDefinition, maxTaskTimeoutSeconds: number): number {
  return options.backlogMessages[lane.name] ?? defaultBacklogThreshold(lane, maxTaskTimeoutSeconds);
}

/**
 * A heartbeat that took longer from its scheduled time to its success than
 * the lane's queue-age promise means the lane keeps up in name only.
 */
export function heartbeatDelayThresholdMs(lane: LaneDefinition): number {
  return lane.queueAgeAlarmSeconds * 1000;
}

/** HeartbeatDelay pages when heartbeats are late this many intervals in a row: one slow heartbeat is not yet a trend. */
export const HEARTBEAT_DELAY_INTERVALS = 2;

/** The window HeartbeatMissing looks back over, in scheduled (not fast-forwarded) milliseconds. */
export function heartbeatMissingWindowMs(options: AlarmOptions, lane: LaneDefinition): number {
  return options.heartbeatMissingIntervals * lane.heartbeatIntervalMinutes * 60_000;
}

/**
 * How long the oldest letter may have waited in a lane's DLQ, by the DLQ's
 * ApproximateAgeOfOldestMessage, before DeadLetterExpiry pages. A letter
 * the consumer dead-letters itself is a new message with the DLQ's whole
 * 14 days. One that SQS moves after maxReceiveCount keeps its original
 * enqueue time, so it expires that much sooner, while the DLQ's age metric
 * counts only from the move (SQS Developer Guide, "dead-letter queue
 * retention"). It can have waited in the lane's queue up to the lane's
 * longest task max age (past it, the consumer expires the task instead of
 * failing it) plus maxReceiveCount visibility timeouts; the threshold
 * assumes it did, and leaves `deadLetterExpiryWarningHours` to act. Never
 * below 0: a lane whose tasks may wait nearly 14 days pages on any letter.
 */
export function deadLetterExpiryThresholdSeconds(options: AlarmOptions, definition: Definition, lane: string): number {
  const inQueue = definition.maxTaskAgeSeconds(lane) + definition.lane(lane).maxReceiveCount * visibilityTimeoutSeconds(definition, lane);
  return Math.max(0, QUEUE_RETENTION_SECONDS - inQueue - options.deadLetterExpiryWarningHours * 3600);
}
