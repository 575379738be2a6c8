/**
 * The one dashboard: every alarm's state on top, then one section per lane
 * with the numbers its alarms watch, so a page leads to the graph behind it.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, TextWidget, type IAlarm, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { OUTCOMES, TIMED_OUT } from '../definition/metrics.ts';
import type { ResolvedTaskType } from '../definition/types.ts';
import { heartbeatDelayThresholdMs } from '../definition/alarm-thresholds.ts';
import type { Lane } from './lane.ts';
import { LaneMappingMetrics } from './mapping-metrics.ts';
import { LaneTaskMetrics } from './task-metrics.ts';

const PERIOD = Duration.minutes(1);
const WIDTH = 8;
const HEIGHT = 6;

export interface DashboardLane {
  readonly lane: Lane;
  /** The lane's heartbeat task type; without one, no heartbeat graph. */
  readonly heartbeat?: ResolvedTaskType;
}

export interface TasklanesDashboardProps {
  readonly lanes: readonly DashboardLane[];
  readonly alarms: readonly IAlarm[];
  readonly metricsNamespace: string;
}

export class TasklanesDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TasklanesDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: Stack.of(this).stackName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24 }));
    for (const { lane, heartbeat } of props.lanes) {
      this.dashboard.addWidgets(...laneWidgets(lane, new LaneTaskMetrics(props.metricsNamespace, lane.definition.name), heartbeat));
    }
  }
}

function laneWidgets(lane: Lane, tasks: LaneTaskMetrics, heartbeat: ResolvedTaskType | undefined): IWidget[] {
  const { name, description, queueAgeAlarmSeconds } = lane.definition;
  const mapping = new LaneMappingMetrics(lane);
  const graph = (title: string, props: Omit<ConstructorParameters<typeof GraphWidget>[0], 'title'>) =>
    new GraphWidget({ title: `${name}: ${title}`, width: WIDTH, height: HEIGHT, ...props });
  return [
    new TextWidget({ markdown: `## Lane \`${name}\`\n${description}`, width: 24, height: 2 }),
    graph('queue depth', {
      left: [
        lane.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'waiting' }),
        lane.queue.metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, statistic: 'Maximum', label: 'in flight' }),
      ],
    }),
    graph('age of oldest task (s)', {
      left: [lane.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: 'oldest' })],
      leftAnnotations: [{ value: queueAgeAlarmSeconds, label: 'alarm' }],
    }),
    graph('dead letters', {
      left: [lane.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'in DLQ' })],
    }),
    graph('tasks by outcome', { left: OUTCOMES.map((outcome) => tasks.count(outcome, PERIOD)), stacked: true }),
    graph('duration of succeeded tasks (ms)', {
      left: ['p50', 'p90', 'p99'].map((statistic) => tasks.duration('succeeded', statistic, PERIOD)),
      leftAnnotations: [{ value: lane.maxTaskTimeoutSeconds * 1000, label: 'longest task timeout' }],
    }),
    graph('errors and timeouts', {
      left: [
        lane.consumer.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'consumer errors' }),
        lane.consumer.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'consumer throttles' }),
        tasks.count(TIMED_OUT, PERIOD),
      ],
    }),
    // What the mapping did with the records, beside what the consumer counted: a gap between them is a loss or a failed invoke.
    graph('event source mapping (records)', {
      left: (['polled', 'invoked', 'deleted', 'failedInvoke', 'filteredOut'] as const).map((name) => mapping.metric(name, PERIOD)),
      // Provisioned lanes: the pollers running, against their bounds.
      ...(lane.definition.provisionedPollers
        ? {
            right: [mapping.metric('provisionedPollers', PERIOD, 'Maximum')],
            rightAnnotations: [
              { value: lane.definition.provisionedPollers.minimum, label: 'minimum pollers' },
              { value: lane.definition.provisionedPollers.maximum, label: 'maximum pollers' },
            ],
          }
        : {}),
    }),
    ...(heartbeat
      ? [
          // Count left, latency right: a lane alive but behind shows as a rising right line over a steady left one.
          graph('heartbeat', {
            left: [tasks.typeCount(heartbeat.type, 'succeeded', PERIOD)],
            right: [tasks.typeLatency(heartbeat.type, 'succeeded', 'Maximum', PERIOD)],
            rightAnnotations: [{ value: heartbeatDelayThresholdMs(lane.definition), label: 'delay alarm (ms)' }],
          }),
        ]
      : []),
  ];
}
