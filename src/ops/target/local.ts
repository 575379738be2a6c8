/**
 * The local run as an ops target. Queues and the dedup table are the local
 * stack's; what SQS alone cannot do locally (oldest age without receiving,
 * pausing a poller that lives in the `npm start` process, the outcomes its
 * recorder kept) goes through a LocalControl: in process for tests and the
 * dashboard, over the dashboard's control API for the CLI.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DedupStore } from '../../runtime/dedup.ts';
import type { QueueStats, RecordedOutcomes } from './control-client.ts';
import { UnknownLaneError } from '../errors.ts';
import { readDeadLetterRecords } from './dead-letter-records.ts';
import { traceTask } from './task-trail.ts';
import type { LaneQueues, OpsTarget, OutcomeMatch, QueueCounts } from './target.ts';

export interface LocalControl {
  queueStats(queueUrl: string): Promise<QueueStats>;
  consumerEnabled(lane: string): Promise<boolean>;
  pause(lane: string): Promise<void>;
  resume(lane: string): Promise<void>;
  /** The outcomes the run's recorder kept that match, oldest first. */
  taskOutcomes(match: OutcomeMatch): Promise<RecordedOutcomes>;
}

export interface LocalTargetOptions {
  readonly description: string;
  readonly sqs: SQSClient;
  /** The local DynamoDB endpoint's client: dead letters' reason records and the task lookup's dedup records are read with it. */
  readonly dynamodb: DynamoDBClient;
  readonly dedupTable: string;
  readonly lanes: Readonly<Record<string, LaneQueues>>;
  /** Each lane's task types. Default: unknown (a state file of tasklanes 0.2.0). */
  readonly taskTypes?: Readonly<Record<string, readonly string[]>>;
  readonly control: LocalControl;
  /** Called by `close()`: destroys clients the target created. Default: nothing. */
  readonly onClose?: () => void;
}

export function createLocalTarget(options: LocalTargetOptions): OpsTarget {
  const names = Object.keys(options.lanes);
  const queues = (lane: string): LaneQueues => {
    const found = options.lanes[lane];
    if (!found) throw new UnknownLaneError(lane, names);
    return found;
  };
  const dedup = new DedupStore({ client: options.dynamodb, table: options.dedupTable });
  const known = (lane: string): string => {
    queues(lane);
    return lane;
  };
  return {
    description: options.description,
    sqs: options.sqs,
    lanes: names,
    queues,
    async counts(queueUrl): Promise<QueueCounts> {
      // local-aws-sqs's ApproximateNumberOfMessages also counts messages in flight; the stats read them apart.
      const { visible, inFlight, delayed } = await options.control.queueStats(queueUrl);
      return { visible, inFlight, delayed };
    },
    async oldestAgeSeconds(lane) {
      return (await options.control.queueStats(queues(lane).queueUrl)).oldestAgeSeconds;
    },
    consumerEnabled: (lane) => options.control.consumerEnabled(known(lane)),
    taskTypes: (lane) => options.taskTypes?.[known(lane)],
    pause: (lane) => options.control.pause(known(lane)),
    resume: (lane) => options.control.resume(known(lane)),
    deadLetterRecords: (ids) => readDeadLetterRecords(options.dynamodb, options.dedupTable, ids),
    taskTrail: (query, trailOptions = {}) =>
      traceTask(query, trailOptions, {
        dedupTable: options.dedupTable,
        async outcomes(match, since) {
          const kept = await options.control.taskOutcomes(match);
          const from = Math.max(kept.since, since ?? kept.since);
          return {
            outcomes: kept.outcomes.filter((outcome) => outcome.at >= from),
            searched: { source: "the local run's outcome history", from, to: Date.now() },
          };
        },
        record: (key) => dedup.record(key),
      }),
    close: () => options.onClose?.(),
  };
}
