/**
 * The dashboard: every alarm's state on top, then one section per lane with
 * the numbers its alarms watch, so a page leads to the graph behind it. With
 * each lane in a nested stack (laneStacks: 'nested'), every lane's section is
 * a dashboard of its own in that stack (LaneDashboard), and the stack's
 * dashboard keeps the alarms' states and the way to the lanes' dashboards:
 * 65 lanes of sections would not fit one dashboard's 500 widgets.
 */
import { Duration } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, TextWidget, type IAlarm, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { OUTCOMES, TIMED_OUT } from '../definition/metrics.ts';
import type { ResolvedTaskType } from '../definition/types.ts';
import { heartbeatDelayThresholdMs } from '../definition/alarm-thresholds.ts';
import type { Lane } from './lane.ts';
import { LaneMappingMetrics } from './mapping-metrics.ts';
import { deploymentStackName } from './stack-name.ts';
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
  /** The lanes with a section on this dashboard. */
  readonly lanes: readonly DashboardLane[];
  readonly alarms: readonly IAlarm[];
  readonly metricsNamespace: string;
  /** Names of the lanes' own dashboards, listed on top. Default: none. */
  readonly laneDashboards?: readonly string[];
}

/** CloudWatch shows at most 100 alarms in one alarm status widget. */
const ALARMS_PER_WIDGET = 100;

export class TasklanesDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TasklanesDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: deploymentStackName(this),
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(...alarmWidgets(props.alarms));
    if (props.laneDashboards?.length)
      this.dashboard.addWidgets(
        new TextWidget({
          markdown: `## Lanes\nEach lane's graphs are on its own dashboard: ${props.laneDashboards.map((name) => `\`${name}\``).join(', ')}.`,
          width: 24,
          height: 3,
        }),
      );
    for (const { lane, heartbeat } of props.lanes) {
      this.dashboard.addWidgets(...laneWidgets(lane, new LaneTaskMetrics(props.metricsNamespace, lane.definition.name), heartbeat));
    }
  }
}

export interface LaneDashboardProps extends DashboardLane {
  readonly alarms: readonly IAlarm[];
  readonly metricsNamespace: string;
}

/** One lane's section as a dashboard of its own, `<stackName>-<lane>`, with its alarms on top. */
export class LaneDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: LaneDashboardProps) {
    super(scope, id);
    const name = props.lane.definition.name;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${deploymentStackName(this)}-${name}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(...alarmWidgets(props.alarms));
    this.dashboard.addWidgets(...laneWidgets(props.lane, new LaneTaskMetrics(props.metricsNamespace, name), props.heartbeat));
  }
}

function alarmWidgets(alarms: readonly IAlarm[]): IWidget[] {
  const chunks = Array.from({ length: Math.ceil(alarms.length / ALARMS_PER_WIDGET) }, (_, i) =>
    alarms.slice(i * ALARMS_PER_WIDGET, (i + 1) * ALARMS_PER_WIDGET),
  );
  return chunks.map(
    (chunk, i) =>
      new AlarmStatusWidget({ title: chunks.length > 1 ? `Alarms (${i + 1}/${chunks.length})` : 'Alarms', alarms: [...chunk], width: 24 }),
  );
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
