/**
 * The whole system from one definition, as a construct that goes into an
 * app's existing stack: a Lane per lane with the schedules of its scheduled
 * task types (heartbeat included), the dedup table, the alarm topic with
 * every lane's alarms, the dashboard, the schedule group and role of `runAt`
 * tasks, the publisher policy, and the outputs
 * apps and the ops CLI find them by. Environment-agnostic: nothing here looks
 * up the account, so `cdk synth` runs offline. One per stack: the outputs
 * keep fixed names (docs/deploy.md#how-apps-find-the-lanes).
 */
import { CfnOutput, NestedStack } from 'aws-cdk-lib';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Definition } from '../definition/registry.ts';
import { DEFAULT_METRICS_NAMESPACE } from '../definition/environment.ts';
import { heartbeatType } from '../definition/schedule.ts';
import { LANE_OUTPUTS, NESTED_LANE_OUTPUTS, stackOutputKey, type LaneOutput } from '../definition/stack-outputs.ts';
import { AlarmTopic } from './alarm-topic.ts';
import { LaneAlarms } from './alarms.ts';
import { checkTemplatesFit } from './capacity.ts';
import { LaneDashboard, TasklanesDashboard } from './dashboard.ts';
import { DedupTable } from './dedup-table.ts';
import { Lane } from './lane.ts';
import { resolveOptions, type TasklanesOptionsInput } from './options.ts';
import { PublisherPolicy } from './publisher-policy.ts';
import { QueryDefinitions } from './query-definitions.ts';
import { ScheduledDelivery } from './scheduled-delivery.ts';
import { LaneSchedules } from './schedules.ts';
import { deploymentStackName } from './stack-name.ts';

export interface TasklanesProps extends TasklanesOptionsInput {
  /** The app's definition: its lanes and task types (`createDefinition` from `tasklanes`). */
  readonly definition: Definition;
  /**
   * Path of the app's Lambda entry file, the same for every lane: a module
   * exporting `handler = createLaneHandler(definition, { entry: import.meta.url })`
   * from `tasklanes/lambda`, with the same definition.
   */
  readonly handlerEntry: string;
  /**
   * esbuild's working directory and the asset's source.
   * @default the directory of `depsLockFilePath`
   */
  readonly projectRoot?: string;
  /**
   * The app's lock file.
   * @default the first package-lock.json, yarn.lock, pnpm-lock.yaml or bun.lockb found walking up from the working directory (CDK's rule)
   */
  readonly depsLockFilePath?: string;
  /**
   * Merged over tasklanes' bundling (one minified ESM file, SDK inside, source map).
   * @default no changes
   */
  readonly bundling?: BundlingOptions;
  /**
   * EMF namespace of the consumers' metrics. Default `tasklanes`; give each
   * deployment its own when two share an account and region, or their
   * lanes' metrics (and alarms) mix.
   */
  readonly metricsNamespace?: string;
  /** Subscribed to the alarm topic. Default: no subscription. */
  readonly alarmEmail?: string;
  /**
   * Where each lane's resources go. `inline`: in this construct's stack,
   * which CloudFormation's 500 resources per stack stop at about 20 lanes.
   * `nested`: each lane (queues, consumer, mapping, schedules, alarms, its
   * dashboard) in a nested stack of its own, up to 64 lanes
   * (docs/deploy.md#how-many-lanes). Choose it before the first deploy:
   * switching moves every lane's resources to another stack, queues included.
   * @default 'inline'
   */
  readonly laneStacks?: LaneStackLayout;
}

export type LaneStackLayout = 'inline' | 'nested';

export class Tasklanes extends Construct {
  readonly lanes: readonly Lane[];
  /** Per lane with at least one scheduled task type (every lane, while heartbeats are on). */
  readonly schedules: ReadonlyMap<string, LaneSchedules>;
  readonly dedupTable: DedupTable;
  readonly alarmTopic: AlarmTopic;
  readonly publisherPolicy: PublisherPolicy;
  /** The schedule group and role of `runAt` tasks beyond SQS's 15 minutes. */
  readonly scheduledDelivery: ScheduledDelivery;
  readonly dashboard: TasklanesDashboard;
  /** The lanes' nested stacks, with `laneStacks: 'nested'`; empty otherwise. */
  readonly laneStacks: readonly NestedStack[];

  constructor(scope: Construct, id: string, props: TasklanesProps) {
    super(scope, id);
    const { definition } = props;
    const options = resolveOptions(props);
    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    const layout = props.laneStacks ?? 'inline';

    this.dedupTable = new DedupTable(this, 'Dedup', options.dedupTable);
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail });
    // Where each lane's constructs go: here, or a nested stack of the lane's own.
    const laneScopes = new Map<string, Construct>(
      definition.lanes.map((lane) => [
        lane.name,
        layout === 'nested' ? new NestedStack(this, `LaneStack-${lane.name}`, { description: `tasklanes lane ${lane.name}` }) : this,
      ]),
    );
    this.laneStacks = [...laneScopes.values()].filter((scope): scope is NestedStack => scope instanceof NestedStack);
    this.lanes = definition.lanes.map(
      (lane) =>
        new Lane(laneScopes.get(lane.name)!, `Lane-${lane.name}`, {
          definition,
          lane: lane.name,
          code: {
            entry: props.handlerEntry,
            projectRoot: props.projectRoot,
            depsLockFilePath: props.depsLockFilePath,
            bundling: props.bundling,
          },
          dedupTable: this.dedupTable,
          metricsNamespace,
          consumer: options.consumer,
        }),
    );
    const schedules = new Map<string, LaneSchedules>();
    for (const lane of this.lanes) {
      const name = lane.definition.name;
      const scheduled = definition.tasksOf(name).filter((task) => task.schedule);
      if (scheduled.length > 0)
        schedules.set(
          name,
          new LaneSchedules(laneScopes.get(name)!, `Schedules-${name}`, { lane, tasks: scheduled, options: options.schedules }),
        );
    }
    this.schedules = schedules;
    const heartbeatOf = (lane: Lane) => definition.findTask(heartbeatType(lane.definition.name));
    const alarms = this.lanes.flatMap((lane) => {
      const scope = laneScopes.get(lane.definition.name)!;
      const heartbeat = heartbeatOf(lane);
      const laneAlarms = new LaneAlarms(scope, `Alarms-${lane.definition.name}`, {
        definition,
        lane,
        topic: this.alarmTopic.topic,
        metricsNamespace,
        options: options.alarms,
        heartbeat,
      }).alarms;
      if (layout === 'nested')
        new LaneDashboard(scope, `Dashboard-${lane.definition.name}`, { lane, heartbeat, alarms: laneAlarms, metricsNamespace });
      return laneAlarms;
    });
    this.dashboard = new TasklanesDashboard(this, 'Dashboard', {
      lanes: layout === 'inline' ? this.lanes.map((lane) => ({ lane, heartbeat: heartbeatOf(lane) })) : [],
      laneDashboards: layout === 'nested' ? this.lanes.map((lane) => `${deploymentStackName(this)}-${lane.definition.name}`) : [],
      alarms,
      metricsNamespace,
    });
    this.scheduledDelivery = new ScheduledDelivery(this, 'ScheduledDelivery', this.lanes);
    this.publisherPolicy = new PublisherPolicy(
      this,
      'Publisher',
      this.lanes.map((lane) => lane.queue),
      this.scheduledDelivery,
    );
    new QueryDefinitions(this, 'Queries', { lanes: this.lanes });

    for (const lane of this.lanes) {
      const name = lane.definition.name;
      const outputs: Record<LaneOutput, [value: string, description: string]> = {
        queueUrl: [lane.queue.queueUrl, `Queue URL of lane ${name}: publish here.`],
        queueArn: [lane.queue.queueArn, `Queue ARN of lane ${name}.`],
        dlqUrl: [lane.deadLetterQueue.queueUrl, `Dead-letter queue URL of lane ${name}.`],
        consumerFunctionName: [lane.consumer.functionName, `Consumer function of lane ${name}.`],
        eventSourceMappingUuid: [
          lane.eventSource.eventSourceMappingId,
          `Event source mapping of lane ${name}: disable it to pause the lane.`,
        ],
      };
      for (const key of layout === 'nested' ? NESTED_LANE_OUTPUTS : LANE_OUTPUTS) this.output(stackOutputKey[key](name), ...outputs[key]);
    }
    this.output(stackOutputKey.laneNames, this.lanes.map((lane) => lane.definition.name).join(','), 'Lane names, in definition order.');
    this.output(stackOutputKey.dedupTableName, this.dedupTable.table.tableName, 'Dedup table.');
    this.output(stackOutputKey.alarmTopicArn, this.alarmTopic.topic.topicArn, 'Every alarm notifies this topic: subscribe on-call here.');
    this.output(stackOutputKey.dashboardName, this.dashboard.dashboard.dashboardName, 'CloudWatch dashboard of all lanes.');
    this.output(
      stackOutputKey.publisherPolicyArn,
      this.publisherPolicy.policy.managedPolicyArn,
      'Attach to an app role to let it publish tasks.',
    );
    this.output(
      stackOutputKey.scheduleGroupName,
      this.scheduledDelivery.group.scheduleGroupName,
      'Schedule group of runAt tasks beyond 15 minutes: TASKLANES_SCHEDULE_GROUP for publishers.',
    );
    this.output(
      stackOutputKey.schedulerRoleArn,
      this.scheduledDelivery.role.roleArn,
      'Role those schedules send with: TASKLANES_SCHEDULER_ROLE_ARN for publishers.',
    );

    // Before synth: CloudFormation would refuse the deploy, or CDK fail with a count and no way out.
    checkTemplatesFit(this, layout);
  }

  /** Lets a role in the app publish to every lane. */
  grantPublish(grantee: IGrantable): Grant {
    return this.publisherPolicy.grant(grantee);
  }

  private output(key: string, value: string, description: string): void {
    // Fixed names, wherever the construct sits: apps and the ops CLI read them by key.
    new CfnOutput(this, key, { value, description }).overrideLogicalId(key);
  }
}
