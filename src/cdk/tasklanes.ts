/**
 * The whole system from one definition, as a construct that goes into an
 * app's existing stack: a Lane per lane with the schedules of its scheduled
 * task types (heartbeat included), the dedup table, the alarm topic with
 * every lane's alarms, the dashboard, the publisher policy, and the outputs
 * apps and the ops CLI find them by. Environment-agnostic: nothing here looks
 * up the account, so `cdk synth` runs offline. One per stack: the outputs
 * keep fixed names (docs/deploy.md#how-apps-find-the-lanes).
 */
import { CfnOutput } from 'aws-cdk-lib';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Definition } from '../definition/registry.ts';
import { DEFAULT_METRICS_NAMESPACE } from '../definition/environment.ts';
import { heartbeatType } from '../definition/schedule.ts';
import { stackOutputKey } from '../definition/stack-outputs.ts';
import { AlarmTopic } from './alarm-topic.ts';
import { LaneAlarms } from './alarms.ts';
import { TasklanesDashboard } from './dashboard.ts';
import { DedupTable } from './dedup-table.ts';
import { Lane } from './lane.ts';
import { resolveOptions, type TasklanesOptionsInput } from './options.ts';
import { PublisherPolicy } from './publisher-policy.ts';
import { LaneSchedules } from './schedules.ts';

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
}

export class Tasklanes extends Construct {
  readonly lanes: readonly Lane[];
  /** Per lane with at least one scheduled task type (every lane, while heartbeats are on). */
  readonly schedules: ReadonlyMap<string, LaneSchedules>;
  readonly dedupTable: DedupTable;
  readonly alarmTopic: AlarmTopic;
  readonly publisherPolicy: PublisherPolicy;
  readonly dashboard: TasklanesDashboard;

  constructor(scope: Construct, id: string, props: TasklanesProps) {
    super(scope, id);
    const { definition } = props;
    const options = resolveOptions(props);
    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    this.dedupTable = new DedupTable(this, 'Dedup', options.dedupTable);
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail });
    this.lanes = definition.lanes.map(
      (lane) =>
        new Lane(this, `Lane-${lane.name}`, {
          definition,
          lane: lane.name,
          code: { entry: props.handlerEntry, projectRoot: props.projectRoot, depsLockFilePath: props.depsLockFilePath, bundling: props.bundling },
          dedupTable: this.dedupTable,
          metricsNamespace,
          consumer: options.consumer,
        }),
    );
    const schedules = new Map<string, LaneSchedules>();
    for (const lane of this.lanes) {
      const name = lane.definition.name;
      const scheduled = definition.tasksOf(name).filter((task) => task.schedule);
      if (scheduled.length > 0) schedules.set(name, new LaneSchedules(this, `Schedules-${name}`, { lane, tasks: scheduled, options: options.schedules }));
    }
    this.schedules = schedules;
    const heartbeatOf = (lane: Lane) => definition.findTask(heartbeatType(lane.definition.name));
    const alarms = this.lanes.flatMap(
      (lane) =>
        new LaneAlarms(this, `Alarms-${lane.definition.name}`, {
          lane,
          topic: this.alarmTopic.topic,
          metricsNamespace,
          options: options.alarms,
          heartbeat: heartbeatOf(lane),
        }).alarms,
    );
    this.dashboard = new TasklanesDashboard(this, 'Dashboard', {
      lanes: this.lanes.map((lane) => ({ lane, heartbeat: heartbeatOf(lane) })),
      alarms,
      metricsNamespace,
    });
    this.publisherPolicy = new PublisherPolicy(this, 'Publisher', this.lanes.map((lane) => lane.queue));

    for (const lane of this.lanes) {
      const name = lane.definition.name;
      this.output(stackOutputKey.queueUrl(name), lane.queue.queueUrl, `Queue URL of lane ${name}: publish here.`);
      this.output(stackOutputKey.queueArn(name), lane.queue.queueArn, `Queue ARN of lane ${name}.`);
      this.output(stackOutputKey.dlqUrl(name), lane.deadLetterQueue.queueUrl, `Dead-letter queue URL of lane ${name}.`);
      this.output(stackOutputKey.consumerFunctionName(name), lane.consumer.functionName, `Consumer function of lane ${name}.`);
      this.output(
        stackOutputKey.eventSourceMappingUuid(name),
        lane.eventSource.eventSourceMappingId,
        `Event source mapping of lane ${name}: disable it to pause the lane.`,
      );
    }
    this.output(stackOutputKey.laneNames, this.lanes.map((lane) => lane.definition.name).join(','), 'Lane names, in definition order.');
    this.output(stackOutputKey.dedupTableName, this.dedupTable.table.tableName, 'Dedup table.');
    this.output(stackOutputKey.alarmTopicArn, this.alarmTopic.topic.topicArn, 'Every alarm notifies this topic: subscribe on-call here.');
    this.output(stackOutputKey.dashboardName, this.dashboard.dashboard.dashboardName, 'CloudWatch dashboard of all lanes.');
    this.output(stackOutputKey.publisherPolicyArn, this.publisherPolicy.policy.managedPolicyArn, 'Attach to an app role to let it publish tasks.');
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
