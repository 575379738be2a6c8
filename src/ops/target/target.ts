/**
 * What an ops command works on: the lanes' queues, an SQS client, and the
 * few things SQS alone cannot tell or do (oldest age, consumer state,
 * pausing), which the local run and AWS answer differently.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DedupRecord } from '../../runtime/dedup.ts';
import type { DeadLetterRecord } from './dead-letter-records.ts';
import type { OutcomeEvent } from '../../runtime/outcome.ts';

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

/** The task `tasklanes task` looks up: by its id, or by the key of its dedup record. */
export type TaskQuery = { readonly id: string } | { readonly tenant: string; readonly type: string; readonly dedupKey: string };

/** Which outcomes belong to the task: any of these matches (an absent one matches nothing). */
export interface OutcomeMatch {
  readonly id?: string;
  /** `tenant#type#dedupKey`. */
  readonly recordKey?: string;
  /** Deliveries, for the outcomes of bodies that never validated (they carry no task id). */
  readonly messageIds?: readonly string[];
}

/** One delivery's outcome, as the consumer logged and reported it: the fields of its OutcomeEvent that its log line carries too. */
export type TaskOutcome = Pick<
  OutcomeEvent,
  'lane' | 'type' | 'outcome' | 'timedOut' | 'tenant' | 'id' | 'dedupKey' | 'messageId' | 'attempt' | 'durationMs' | 'reason' | 'at'
>;

/** Where outcomes were looked for: said with every answer, found or not. */
export interface OutcomeScope {
  /** For people: `the local run's outcome history`, `Logs Insights`. */
  readonly source: string;
  /** Epoch ms: the time range searched. */
  readonly from: number;
  readonly to: number;
  /** The lanes' log groups (AWS). */
  readonly logGroups?: readonly string[];
  /** At most this many outcomes come back; reaching it means older or newer ones may be missing. */
  readonly limit?: number;
}

/** What a target knows of a task besides its queues: its outcomes and its dedup record. */
export interface TaskTrail {
  /** Oldest first. */
  readonly outcomes: readonly TaskOutcome[];
  readonly searched: OutcomeScope;
  readonly dedupTable: string;
  /** Undefined when the query named no key and no outcome reached the claim (invalid, expired). */
  readonly recordKey?: string;
  /** Undefined when there is no record under the key (never claimed, released, or deleted by TTL). */
  readonly record?: DedupRecord;
}

export interface TaskTrailOptions {
  /** Outcomes since this epoch ms. Default: local, all the run kept; AWS, the last 24 h. */
  readonly since?: number;
  /** Deliveries to match besides the query (see OutcomeMatch.messageIds). */
  readonly messageIds?: readonly string[];
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
  /** The lane's task types; undefined when the target cannot know them (a deployed stack does not list them). Throws UnknownLaneError. */
  taskTypes(lane: string): readonly string[] | undefined;
  /** Stops consumption; messages stay in the queue. */
  pause(lane: string): Promise<void>;
  resume(lane: string): Promise<void>;
  /**
   * The task's outcomes (local: the run's recorder; AWS: Logs Insights over
   * the lanes' log groups) and its dedup record (GetItem), keyed by the
   * query or, for a task id, by the key its outcomes carry.
   */
  taskTrail(query: TaskQuery, options?: TaskTrailOptions): Promise<TaskTrail>;
  /**
   * The reason records the consumer kept in the dedup table for dead letters
   * whose reason attributes did not fit beside their bodies, by DLQ message
   * id; ids without a record are left out.
   */
  deadLetterRecords(dlqMessageIds: readonly string[]): Promise<ReadonlyMap<string, DeadLetterRecord>>;
  /** Releases clients. */
  close(): void;
}
