/**
 * What an ops command works on: the lanes' queues, an SQS client, and the
 * few things SQS alone cannot tell or do (oldest age, consumer state,
 * pausing), which the local run and AWS answer differently.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterRecord } from './dead-letter-records.ts';

/** CloudWatch's names: ApproximateNumberOfMessagesVisible, ...NotVisible, ...Delayed. */
export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** One lane's queue and dead-letter queue. */
export interface LaneQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
}

/** What provisioning a stack creates: the lanes' queues and the dedup table. */
export interface ProvisionedResources {
  readonly lanes: Readonly<Record<string, LaneQueues>>;
  readonly dedupTable: string;
}

export interface OpsTarget {
  /** For humans: `local stack (pid 1234)`, `stack tasklanes in eu-west-1`. */
  readonly description: string;
  readonly sqs: SQSClient;
  readonly lanes: readonly string[];
  /** Throws UnknownLaneError. */
  queues(lane: string): LaneQueues;
  counts(queueUrl: string): Promise<QueueCounts>;
  /** Seconds; undefined when there is no data point (AWS: no metric yet). */
  oldestAgeSeconds(lane: string): Promise<number | undefined>;
  consumerEnabled(lane: string): Promise<boolean>;
  /** Stops consumption; messages stay in the queue. */
  pause(lane: string): Promise<void>;
  resume(lane: string): Promise<void>;
  /**
   * The reason records the consumer kept in the dedup table for dead letters
   * whose reason attributes did not fit beside their bodies, by DLQ message
   * id; ids without a record are left out.
   */
  deadLetterRecords(dlqMessageIds: readonly string[]): Promise<ReadonlyMap<string, DeadLetterRecord>>;
  /** Releases clients. */
  close(): void;
}
