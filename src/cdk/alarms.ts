/**
 * The alarms of one lane, all into the stack's one topic. Each description
 * tells the on-call person what fired, what to look at first, and why missing
 * data is treated the way it is. Whether a lane is alive at all is the
 * heartbeat alarms' job: HeartbeatMissing is the one alarm that pages on
 * silence, because for it silence is the signal.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  backlogThreshold,
  DEAD_LETTER_ALARMS,
  deadLetterExpiryThresholdSeconds,
  type DeadLetterAlarm,
  HEARTBEAT_DELAY_INTERVALS,
  heartbeatDelayThresholdMs,
  type AlarmOptions,
  type LaneAlarmName,
  RATE_ALARMS,
  rateAlarmApplies,
} from '../definition/alarm-thresholds.ts';
import type { Definition } from '../definition/registry.ts';
import { stackOutputKey } from '../definition/stack-outputs.ts';
import type { ResolvedTaskType } from '../definition/types.ts';
import type { Lane } from './lane.ts';
import { LaneMappingMetrics } from './mapping-metrics.ts';
import { deploymentStackName } from './stack-name.ts';
import { LaneTaskMetrics } from './task-metrics.ts';

const ONE_MINUTE = Duration.minutes(1);

/**
 * SQS stops publishing metrics for a queue nobody has accessed for six hours,
 * even one that still holds messages (an unpolled DLQ, a paused lane). So a
 * gap says nothing about the queue: keep the last state rather than clear a
 * real page or raise a false one.
 */
const MISSING_SQS = {
  treat: TreatMissingData.IGNORE,
  text: 'Missing data keeps the last state: SQS stops publishing for a queue untouched for 6 hours, even a non-empty one.',
};
/** A DLQ nobody sent to publishes no NumberOfMessagesSent: no new letters. */
const MISSING_NO_LETTERS = { treat: TreatMissingData.NOT_BREACHING, text: 'Missing data is OK: no message was sent to the DLQ.' };
/** No invocations or no tasks: nothing failed, nothing to rate. */
const MISSING_NO_INVOCATIONS = { treat: TreatMissingData.NOT_BREACHING, text: 'Missing data is OK: no invocations, nothing failed.' };
const MISSING_NO_TASKS = { treat: TreatMissingData.NOT_BREACHING, text: 'Missing data is OK: no tasks in the window, no rate.' };
const MISSING_NO_FILTER = {
  treat: TreatMissingData.NOT_BREACHING,
  text: 'Missing data is OK: Lambda publishes FilteredOutEventCount only for a mapping with filter criteria, and tasklanes sets none.',
};
const MISSING_HEARTBEAT = {
  treat: TreatMissingData.BREACHING,
  text: 'Missing data is breaching: a heartbeat that never succeeds writes no data point, and that silence is what this alarm exists for.',
};
const MISSING_NO_HEARTBEAT = {
  treat: TreatMissingData.NOT_BREACHING,
  text: 'Missing data is OK here: heartbeats that do not arrive at all page as HeartbeatMissing.',
};

interface AlarmSpec {
  readonly id: LaneAlarmName;
  readonly metric: IMetric;
  /** Alarms when the metric is above this (or below, with `comparison`). */
  readonly threshold: number;
  /** Default GREATER_THAN_THRESHOLD. */
  readonly comparison?: ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** What it means and what to do first. */
  readonly description: string;
  readonly missingData: { readonly treat: TreatMissingData; readonly text: string };
}

export interface LaneAlarmsProps {
  /** The deployment's definition: the lane's task types bound how long a letter may have waited before its DLQ. */
  readonly definition: Definition;
  readonly lane: Lane;
  readonly topic: ITopic;
  readonly metricsNamespace: string;
  readonly options: AlarmOptions;
  /** The lane's heartbeat task type; without one, the lane gets no heartbeat alarms. */
  readonly heartbeat?: ResolvedTaskType;
}

export class LaneAlarms extends Construct {
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: LaneAlarmsProps) {
    super(scope, id);
    const { lane, options } = props;
    const name = lane.definition.name;
    const tasks = new LaneTaskMetrics(props.metricsNamespace, name);
    const mapping = new LaneMappingMetrics(lane);
    const ratePeriod = Duration.minutes(options.ratePeriodMinutes);
    const backlog = backlogThreshold(options, lane.definition, lane.maxTaskTimeoutSeconds);

    // Rates: two of three windows, so one odd window does not page but a sustained problem does within 15 minutes.
    const rate = (
      id: LaneAlarmName,
      outcomes: Parameters<LaneTaskMetrics['ratePercent']>[0],
      threshold: number,
      description: string,
    ): AlarmSpec => ({
      id,
      metric: tasks.ratePercent(outcomes, ratePeriod, options.rateMinimumTasks, `${id} %`),
      threshold,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `Lane ${name}: in ${options.ratePeriodMinutes}-minute windows of at least ${options.rateMinimumTasks} tasks, over ${threshold}% ${description}`,
      missingData: MISSING_NO_TASKS,
    });

    const specs: AlarmSpec[] = [
      {
        // Two minutes so one slow poll does not page; the threshold itself is the lane's promise.
        id: 'QueueAge',
        metric: lane.queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: 'Maximum' }),
        threshold: lane.definition.queueAgeAlarmSeconds,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        description: `Lane ${name}: the oldest task has waited over ${lane.definition.queueAgeAlarmSeconds}s. Tasks are not picked up fast enough; they will expire after their max age. First: is the lane paused (event source mapping disabled)? Then check this lane's error and throttle alarms, and whether ConcurrentExecutions sits at the lane's maxConcurrency (${lane.definition.maxConcurrency}).`,
        missingData: MISSING_SQS,
      },
      ...DEAD_LETTER_ALARMS.map((spec) => deadLetterAlarm(lane, spec)),
      deadLetterExpiryAlarm(lane, deadLetterExpiryThresholdSeconds(options, props.definition, name), options),
      {
        // Five minutes: bursts that drain are what a queue is for; a flood that stays is not.
        id: 'Backlog',
        metric: lane.queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
        threshold: backlog,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        description: `Lane ${name}: over ${backlog} tasks waiting for 5 minutes, more than the lane works off within its age threshold at full concurrency. First: did a publisher start flooding (one type, one tenant)? Drop that class of tasks with the ops CLI, or purge this lane alone; other lanes are unaffected.`,
        missingData: MISSING_SQS,
      },
      {
        // The runtime reports failed records without failing the invocation, so any error is a crash.
        id: 'ConsumerErrors',
        metric: lane.consumer.metricErrors({ period: ONE_MINUTE, statistic: 'Sum' }),
        threshold: options.consumerErrors,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        description: `Lane ${name}: the consumer invocation itself failed (crash, out of memory, or the ${lane.consumer.timeout?.toSeconds()}s function timeout), so whole batches are redelivered and burn receive counts. First: find the error in the consumer's log group (linked from the function's Monitoring tab); check Max Memory Used in the REPORT lines.`,
        missingData: MISSING_NO_INVOCATIONS,
      },
      {
        // Ten of fifteen minutes: a throttle at scale-up is retried by the event source; a lasting one is not transient.
        id: 'ConsumerThrottles',
        metric: lane.consumer.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: options.consumerThrottles,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        description:
          lane.definition.reservedConcurrency === undefined
            ? `Lane ${name}: Lambda throttles the consumer, so tasks wait. The lane caps itself at ${lane.definition.maxConcurrency} concurrent invocations, so the account's concurrency is exhausted (or a reserved concurrency was set by hand). First: check the account's ConcurrentExecutions; raise the quota, lower maxConcurrency of other lanes, or give this lane a reservedConcurrency.`
            : `Lane ${name}: Lambda throttles the consumer although ${lane.definition.reservedConcurrency} concurrent executions are reserved for it, at least its cap of ${lane.definition.maxConcurrency}. First: was the function's reserved concurrency changed by hand (compare it with the stack), or is something other than the lane's mapping invoking the function?`,
        missingData: MISSING_NO_INVOCATIONS,
      },
      {
        // Five-minute windows, two of three: a batch's retries and its failed invoke may land in neighbouring windows.
        id: 'InvokeFailures',
        metric: mapping.wholeInvocationFailures(tasks, Duration.minutes(5), 'records of failed invocations'),
        threshold: options.invokeFailures,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        description: `Lane ${name}: the event source mapping could not get records through the consumer as a whole invocation (its FailedInvokeEventCount beyond the records the consumer reported for a retry). Those records come back after the visibility timeout, burn receive counts, and reach the DLQ without a tasklanes-reason once maxReceiveCount (${lane.definition.maxReceiveCount}) is spent. First: if ConsumerErrors fires too, the consumer crashes or times out (its log group); if not, Lambda could not invoke it: check the mapping's LastProcessingResult, the function's state, its role and throttles.`,
        missingData: MISSING_NO_INVOCATIONS,
      },
      {
        // For SQS the mapping deletes a record that fails its filter criteria: a task gone without a trace, so the first one pages.
        id: 'MappingDropped',
        metric: mapping.metric('filteredOut', Duration.minutes(5)),
        threshold: 0,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        description: `Lane ${name}: the event source mapping filtered out tasks, and for SQS that deletes them without running them or counting an outcome. tasklanes sets no filter criteria, so someone added them to the mapping by hand. First: remove the FilterCriteria from the lane's event source mapping (the stack output ${stackOutputKey.eventSourceMappingUuid(name)}), then ask the publishers to republish what was lost in the window.`,
        missingData: MISSING_NO_FILTER,
      },
      ...RATE_ALARMS.filter((spec) => rateAlarmApplies(spec, props.definition, name)).map((spec) =>
        rate(spec.alarm, spec.outcomes, options[spec.option], `${spec.what}. ${spec.firstStep}`),
      ),
      ...(props.heartbeat ? heartbeatAlarms(lane, tasks, props.heartbeat, options) : []),
    ];

    const action = new SnsAction(props.topic);
    this.alarms = specs.map((spec) => {
      const alarm = new Alarm(this, spec.id, {
        alarmName: `${deploymentStackName(this)}-${name}-${spec.id}`,
        alarmDescription: `${spec.description} ${spec.missingData.text}`,
        metric: spec.metric,
        threshold: spec.threshold,
        comparisonOperator: spec.comparison ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData: spec.missingData.treat,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    });
  }
}

/**
 * Dead-letter inflow and depth (the table and why both:
 * DEAD_LETTER_ALARMS in src/definition/alarm-thresholds.ts).
 */
function deadLetterAlarm(lane: Lane, spec: DeadLetterAlarm): AlarmSpec {
  const name = lane.definition.name;
  const period = Duration.minutes(spec.periodMinutes);
  const common = { id: spec.alarm, threshold: spec.threshold, evaluationPeriods: 1, datapointsToAlarm: 1 };
  const firstStep = `First: \`tasklanes dlq peek ${name} --stack <stack>\` shows each letter's reason; fix the cause, then \`tasklanes dlq redrive\`. Schema failures cannot succeed on redrive: republish them corrected.`;
  if (spec.measures === 'inflow') {
    return {
      ...common,
      metric: lane.deadLetterQueue.metricNumberOfMessagesSent({ period, statistic: 'Sum' }),
      description: `Lane ${name}: new tasks were dead-lettered in the last ${spec.periodMinutes} min (the consumer sends each one to the DLQ itself); they will not run unless redriven. This alarm fires again for each new minute with letters, whatever already waits in the DLQ (that is DeadLetters). ${firstStep}`,
      missingData: MISSING_NO_LETTERS,
    };
  }
  return {
    ...common,
    metric: lane.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
    description: `Lane ${name}: the dead-letter queue is not empty, and stays in ALARM until its letters are redriven or deleted (they are deleted after 14 days): the backlog someone must decide on. New letters page as NewDeadLetters; this one also catches letters SQS moved itself after maxReceiveCount without a reason (no tasklanes-reason attribute). ${firstStep}`,
    missingData: MISSING_SQS,
  };
}

/**
 * A dead letter is deleted when its retention ends, and SQS says nothing.
 * Five-minute data points: the threshold is days away, the alarm has hours.
 */
function deadLetterExpiryAlarm(lane: Lane, thresholdSeconds: number, options: AlarmOptions): AlarmSpec {
  const name = lane.definition.name;
  const days = (seconds: number) => `${Math.round((seconds / 86_400) * 10) / 10} days`;
  return {
    id: 'DeadLetterExpiry',
    metric: lane.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: thresholdSeconds,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    description: `Lane ${name}: the oldest dead letter has waited ${days(thresholdSeconds)} in the DLQ; within about ${options.deadLetterExpiryWarningHours} hours SQS deletes it for good (14-day retention, counted from its first enqueue when SQS moved it there, so the threshold allows for its time in the lane's queue). First: tasklanes dlq peek ${name} --stack <stack> for its reason; redrive it (tasklanes dlq redrive) if the cause is fixed; if it cannot run yet, keep a copy (dlq peek --json) before it is gone. docs/operations.md#dead-letters-near-expiry.`,
    missingData: MISSING_SQS,
  };
}

/**
 * The lane's heartbeat (a scheduled no-op through scheduler, queue,
 * consumer, dedup table and metrics) proves the lane alive end to end
 * (incident 000, docs/incidents.md#000-stale-replay: four hours before
 * anyone noticed). Periods are one heartbeat interval.
 */
function heartbeatAlarms(lane: Lane, tasks: LaneTaskMetrics, heartbeat: ResolvedTaskType, options: AlarmOptions): AlarmSpec[] {
  const name = lane.definition.name;
  const minutes = lane.definition.heartbeatIntervalMinutes;
  const interval = Duration.minutes(minutes);
  const intervals = options.heartbeatMissingIntervals;
  const delayMs = heartbeatDelayThresholdMs(lane.definition);
  return [
    {
      // Every period of the window empty: one late or lost tick does not page.
      id: 'HeartbeatMissing',
      metric: tasks.typeCount(heartbeat.type, 'succeeded', interval),
      threshold: 1,
      comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: intervals,
      datapointsToAlarm: intervals,
      description: `Lane ${name}: no heartbeat (${heartbeat.type}, every ${minutes} min) succeeded for ${intervals} intervals in a row: nothing proves this lane consumes any more, and its tasks may be piling up unseen. First: is the lane paused (event source mapping disabled) or the consumer failing (ConsumerErrors, the event source mapping's last processing result)? Then this lane's QueueAge, and the scheduler's TargetErrorCount and InvocationDroppedCount (AWS/Scheduler) for the heartbeat schedule.`,
      missingData: MISSING_HEARTBEAT,
    },
    {
      id: 'HeartbeatDelay',
      metric: tasks.typeLatency(heartbeat.type, 'succeeded', 'Maximum', interval),
      threshold: delayMs,
      evaluationPeriods: HEARTBEAT_DELAY_INTERVALS,
      datapointsToAlarm: HEARTBEAT_DELAY_INTERVALS,
      description: `Lane ${name}: heartbeats succeed, but over ${delayMs / 1000}s (the lane's queue-age threshold) after their scheduled time: the lane is alive yet behind. First: this lane's QueueAge and Backlog (a flood ahead of the heartbeat?), then throttles and whether ConcurrentExecutions sits at maxConcurrency (${lane.definition.maxConcurrency}).`,
      missingData: MISSING_NO_HEARTBEAT,
    },
  ];
}
