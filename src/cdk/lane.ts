/**
 * One lane: its queue, dead-letter queue and consumer function, joined by an
 * SQS event source. Alarms, dashboard rows and the schedules (schedules.ts)
 * attach to what this construct exposes; it creates none of them itself.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, MetricType, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../definition/environment.ts';
import { laneUsesLimits } from '../definition/task-limits.ts';
import { QUEUE_RETENTION_SECONDS } from '../definition/limits.ts';
import type { Definition } from '../definition/registry.ts';
import { consumerTimeoutSeconds, visibilityTimeoutSeconds } from '../definition/timeouts.ts';
import type { LaneDefinition } from '../definition/types.ts';
import { CONSUMER_BUNDLING, type ConsumerCode } from './consumer-bundling.ts';
import type { DedupTable } from './dedup-table.ts';
import type { ConsumerOptions } from './options.ts';
import { deploymentStackName } from './stack-name.ts';

/** SQS queue names are at most 80 characters. */
const MAX_QUEUE_NAME = 80;

export interface LaneProps {
  readonly definition: Definition;
  readonly lane: string;
  readonly code: ConsumerCode;
  readonly dedupTable: DedupTable;
  readonly metricsNamespace: string;
  readonly consumer: ConsumerOptions;
}

export class Lane extends Construct {
  readonly definition: LaneDefinition;
  /** The longest timeout of the lane's task types. */
  readonly maxTaskTimeoutSeconds: number;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly consumer: NodejsFunction;
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: LaneProps) {
    super(scope, id);
    const lane = props.definition.lane(props.lane);
    this.definition = lane;
    this.maxTaskTimeoutSeconds = props.definition.maxTaskTimeoutSeconds(lane.name);

    // The queue is named so the DLQ's redrive-allow policy can name it: a
    // reference to its generated ARN would make the two queues depend on each other.
    const stack = Stack.of(this);
    const queueName = `${deploymentStackName(this)}-${lane.name}`;
    if (queueName.length + '-dlq'.length > MAX_QUEUE_NAME)
      throw new Error(`queue name "${queueName}-dlq" exceeds ${MAX_QUEUE_NAME} characters: shorten the stack or lane name`);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${queueName}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(QUEUE_RETENTION_SECONDS),
      redriveAllowPolicy: {
        redrivePermission: RedrivePermission.BY_QUEUE,
        sourceQueues: [Queue.fromQueueArn(this, 'SourceQueueRef', stack.formatArn({ service: 'sqs', resource: queueName }))],
      },
    });
    this.queue = new Queue(this, 'Queue', {
      queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(QUEUE_RETENTION_SECONDS),
      visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(props.definition, lane.name)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: lane.maxReceiveCount },
    });

    // Only a lane with limits gets their permissions and its own queue's URL.
    const usesLimits = laneUsesLimits(props.definition.tasksOf(lane.name));
    const logGroup = new LogGroup(this, 'ConsumerLogs', { retention: props.consumer.logRetention });
    // Our own role instead of the default one with AWSLambdaBasicExecutionRole,
    // which may write to every log group in the account.
    const role = new Role(this, 'ConsumerRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    // The app's own bundling.sourceMap wins; the runtime maps stacks only when a map is shipped.
    const sourceMap = props.code.bundling?.sourceMap ?? props.consumer.sourceMap;
    this.consumer = new NodejsFunction(this, 'Consumer', {
      entry: props.code.entry,
      handler: 'handler',
      projectRoot: props.code.projectRoot,
      depsLockFilePath: props.code.depsLockFilePath,
      bundling: {
        ...CONSUMER_BUNDLING,
        sourceMap,
        ...props.code.bundling,
        esbuildArgs: { ...CONSUMER_BUNDLING.esbuildArgs, ...props.code.bundling?.esbuildArgs },
      },
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.consumer.memorySizeMb,
      reservedConcurrentExecutions: lane.reservedConcurrency,
      timeout: Duration.seconds(consumerTimeoutSeconds(props.definition, lane.name)),
      role,
      logGroup,
      description: `tasklanes consumer of lane ${lane.name}`,
      environment: {
        [ENV.lane]: lane.name,
        [ENV.dlqUrl]: this.deadLetterQueue.queueUrl,
        [ENV.dedupTable]: props.dedupTable.table.tableName,
        [ENV.metricsNamespace]: props.metricsNamespace,
        ...(usesLimits ? { [ENV.queueUrl]: this.queue.queueUrl } : {}),
        ...(sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      },
    });
    this.deadLetterQueue.grantSendMessages(this.consumer);
    props.dedupTable.grantClaims(this.consumer);
    if (usesLimits) {
      // A deferred task's copy goes back to this queue (docs/design.md#6-limits): SendMessage, nothing more.
      this.queue.grant(this.consumer, 'sqs:SendMessage');
      props.dedupTable.grantLimits(this.consumer);
    }

    // Also grants the function exactly the consume actions on this queue.
    this.eventSource = new SqsEventSource(this.queue, {
      batchSize: lane.batchSize,
      maxBatchingWindow: Duration.seconds(lane.maxBatchingWindowSeconds),
      reportBatchItemFailures: true,
      // AWS takes one or the other for SQS (the registry has checked that maxConcurrency follows from the pollers).
      ...(lane.provisionedPollers
        ? { provisionedPollerConfig: { minimumPollers: lane.provisionedPollers.minimum, maximumPollers: lane.provisionedPollers.maximum } }
        : { maxConcurrency: lane.maxConcurrency }),
      // The mapping's own counts (mapping-metrics.ts): a record it drops or an invoke that fails shows nowhere else.
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
    });
    this.consumer.addEventSource(this.eventSource);
  }
}
