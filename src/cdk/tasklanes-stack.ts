/**
 * The whole system from one definition: a Lane per lane with the schedules
 * of its scheduled task types (heartbeat included), the dedup table, the
 * alarm topic with every lane's alarms, the dashboard, the publisher policy,
 * and the outputs apps and the ops CLI find them by. Environment-agnostic:
 * nothing here looks up the account, so `cdk synth` runs offline.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { definition as defaultDefinition, type Definition } from '../../demo/definition.ts';
import { DEFAULT_METRICS_NAMESPACE } from '../definition/environment.ts';
import { heartbeatType } from '../definition/schedule.ts';
import { stackOutputKey } from '../definition/stack-outputs.ts';
import { AlarmTopic } from './alarm-topic.ts';
import { LaneAlarms } from './alarms.ts';
import { DEFAULT_HANDLER_ENTRY } from './consumer-bundling.ts';
import { TasklanesDashboard } from './dashboard.ts';
import { DedupTable } from './dedup-table.ts';
import { Lane } from './lane.ts';
import { resolveOptions, type TasklanesOptionsInput } from './options.ts';
import { PublisherPolicy } from './publisher-policy.ts';
import { LaneSchedules } from './schedules.ts';

export interface TasklanesStackProps extends StackProps, TasklanesOptionsInput {
  /** Default: the deployment's definition in `functions/definition/index.ts`. */
  readonly definition?: Definition;
  /** The consumer entry, the same for every lane. Default: `functions/handlers/lane.ts`. */
  readonly handlerEntry?: string;
  /**
   * EMF namespace of the consumers' metrics. Default `tasklanes`; give each
   * deployment its own when two share an account and region, or their
   * lanes' metrics (and alarms) mix.
   */
  readonly metricsNamespace?: string;
  /** Subscribed to the alarm topic. Default: no subscription. */
  readonly alarmEmail?: string;
}

export class TasklanesStack extends Stack {
  readonly lanes: readonly Lane[];
  /** Per lane with at least one scheduled task type (every lane, while heartbeats are on). */
  readonly schedules: ReadonlyMap<string, LaneSchedules>;
  readonly dedupTable: DedupTable;
  readonly alarmTopic: AlarmTopic;
  readonly publisherPolicy: PublisherPolicy;
  readonly dashboard: TasklanesDashboard;

  constructor(scope: Construct, id: string, props: TasklanesStackProps = {}) {
    super(scope, id, props);
    const definition = props.definition ?? defaultDefinition;
    const options = resolveOptions(props);
    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    this.dedupTable = new DedupTable(this, 'Dedup', options.dedupTable);
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail });
    this.lanes = definition.lanes.map(
      (lane) =>
        new Lane(this, `Lane-${lane.name}`, {
          definition,
          lane: lane.name,
          handlerEntry: props.handlerEntry ?? DEFAULT_HANDLER_ENTRY,
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
    this.output(stackOutputKey.dedupTableName, this.dedupTable.table.tableName, 'Dedup table.');
    this.output(stackOutputKey.alarmTopicArn, this.alarmTopic.topic.topicArn, 'Every alarm notifies this topic: subscribe on-call here.');
    this.output(stackOutputKey.dashboardName, this.dashboard.dashboard.dashboardName, 'CloudWatch dashboard of all lanes.');
    this.output(stackOutputKey.publisherPolicyArn, this.publisherPolicy.policy.managedPolicyArn, 'Attach to an app role to let it publish tasks.');
  }

  /** Lets a role in a CDK app that includes this stack publish to every lane. */
  grantPublish(grantee: IGrantable): Grant {
    return this.publisherPolicy.grant(grantee);
  }

  private output(key: string, value: string, description: string): void {
    new CfnOutput(this, key, { value, description });
  }
}
