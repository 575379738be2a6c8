/**
 * The consumer of one lane: a middy handler for SQS events with
 * `ReportBatchItemFailures`. Records of a batch run concurrently through the
 * pipeline; each ends in one outcome and one metric count, and only the
 * records that must be redelivered are reported as failures. Every outcome
 * but a success gets a log line of its own; the batch's successes share one
 * (src/definition/success-line.ts).
 *
 * Why not Powertools' BatchProcessor: its record handler can only succeed
 * or fail, while docs/design.md#outcomes needs a third way out (dead-letter
 * at once and acknowledge) plus expired/duplicate/coalesced
 * acknowledgements with their own counts. Lines are Powertools-shaped
 * (logger.ts); instead of the five context fields (~230 bytes) Powertools'
 * injectLambdaContext adds to every line, a line that is not a success
 * carries the invocation's request id alone: the function name and version
 * are already the log group and stream, and CloudWatch Logs ingestion is
 * what keeps the bill above the request floor (issue 17).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DEFAULT_METRICS_NAMESPACE } from '../definition/environment.ts';
import type { Definition } from '../definition/registry.ts';
import { dedupTableRecordStore } from './dead-letter.ts';
import { DedupStore } from './dedup.ts';
import { DedupBatcher } from './dedup-batch.ts';
import { JsonLogger } from './logger.ts';
import { BatchMetrics, stdoutEmfWriter, type EmfWriter } from './metrics.ts';
import type { OutcomeEvent, OutcomeListener } from './outcome.ts';
import { DeferralBatcher } from './deferral-batch.ts';
import { TaskLimiter } from './limiter.ts';
import { processRecord, type PipelineDependencies } from './pipeline.ts';
import { laneUsesLimits } from '../definition/task-limits.ts';
import { inlineRunner, type TaskRunner } from './runner.ts';
import {
  SUCCEEDED_LINE_MESSAGE,
  succeededEntry,
  succeededLines,
  type SucceededEntry,
  type SucceededLine,
} from '../definition/success-line.ts';
import { WorkerPool } from './worker-pool.ts';

export interface LaneConsumerOptions {
  readonly definition: Definition;
  readonly lane: string;
  readonly dlqUrl: string;
  /** The lane's own queue, where deferred copies go. Required when a type of the lane has limits (docs/design.md#6-limits). */
  readonly queueUrl?: string;
  readonly dedupTable: string;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Module serving tasks in worker threads (see task-worker.ts). Required when the lane's isolation is `worker`. */
  readonly workerEntry?: string | URL;
  /** @default a JsonLogger on the consumer's clock, with its defaults (src/runtime/logger.ts): service `tasklanes`, level from POWERTOOLS_LOG_LEVEL, stdout */
  readonly logger?: JsonLogger;
  /** Default: `tasklanes`. */
  readonly metricsNamespace?: string;
  /** Where EMF documents go. Default: stdout, where Lambda ships them to CloudWatch. */
  readonly emitMetrics?: EmfWriter;
  /** Called once per processed record (the local dashboard and test ledgers count with it). */
  readonly onOutcome?: OutcomeListener;
  /** Epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /** Draws deferral waits (in [0, 1)). Default `Math.random`. */
  readonly random?: () => number;
}

export interface LaneConsumer {
  readonly handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** Stops the lane's worker threads. */
  close(): Promise<void>;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * The line of an outcome that is not a success (docs/design.md#outcomes),
 * in full, with the invocation's request id. The line has its own
 * timestamp, so `at` is not repeated; `timedOut` only when it happened.
 */
function logOutcome(logger: JsonLogger, event: OutcomeEvent, requestId: string): void {
  const { at: _at, timedOut, ...fields } = event;
  const level = event.outcome === 'deadLettered' ? 'error' : event.outcome === 'retried' ? 'warn' : 'info';
  logger[level](`task ${event.outcome}`, { ...fields, ...(timedOut ? { timedOut } : {}), requestId });
}

/**
 * A batch's successes, most outcomes by far, in one line
 * (src/definition/success-line.ts): a compact entry each instead of a line
 * each, which saves every line's leading keys and the lane per task.
 */
function logSuccesses(logger: JsonLogger, lane: string, entries: readonly SucceededEntry[]): void {
  for (const succeeded of succeededLines(entries)) logger.info(SUCCEEDED_LINE_MESSAGE, { lane, succeeded } satisfies SucceededLine);
}

export function createLaneConsumer(options: LaneConsumerOptions): LaneConsumer {
  const { definition, lane } = options;
  const laneDefinition = definition.lane(lane);
  let runner: TaskRunner = inlineRunner;
  if (laneDefinition.isolation === 'worker') {
    if (!options.workerEntry) {
      throw new ConfigurationError(`lane "${lane}" runs tasks in worker threads: pass workerEntry (a module that calls serveTaskWorker)`);
    }
    runner = new WorkerPool({ entry: options.workerEntry, size: laneDefinition.batchSize });
  }
  const now = options.now ?? Date.now;
  const logger = options.logger ?? new JsonLogger({ now });
  const metrics = new BatchMetrics(options.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE, options.emitMetrics ?? stdoutEmfWriter);
  const dedup = new DedupStore({ client: options.dynamodb, table: options.dedupTable, now });
  // Only a lane whose types have limits pays for them (docs/design.md#6-limits).
  let limiter: TaskLimiter | undefined;
  if (laneUsesLimits(definition.tasksOf(lane))) {
    if (!options.queueUrl) {
      throw new ConfigurationError(
        `lane "${lane}" has task types with limits: pass queueUrl (the lane's own queue, where deferred tasks go)`,
      );
    }
    limiter = new TaskLimiter({ client: options.dynamodb, table: options.dedupTable, now });
  }
  const deps: PipelineDependencies = {
    definition,
    lane,
    dlqUrl: options.dlqUrl,
    sqs: options.sqs,
    dedup,
    deadLetterRecords: dedupTableRecordStore(options.dynamodb, options.dedupTable),
    runner,
    now,
  };

  const processBatch = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    // The batch's claims and done marks share requests (dedup-batch.ts). A batch of one has nothing to
    // share them with: its claim and mark go straight out, without the batcher's turns of the event loop.
    const batched = event.Records.length > 1 ? new DedupBatcher(dedup) : undefined;
    const batchDeps: PipelineDependencies = {
      ...deps,
      dedup: batched ?? dedup,
      // The batch's deferred copies share SendMessageBatch requests (deferral-batch.ts).
      ...(limiter && options.queueUrl
        ? { limits: { port: limiter.forBatch(), queueUrl: options.queueUrl, random: options.random, send: new DeferralBatcher().send } }
        : {}),
    };
    const results = await Promise.all(
      event.Records.map((record) => processRecord(record, batchDeps).finally(() => batched?.recordSettled(record.messageId))),
    );
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const succeeded: SucceededEntry[] = [];
    for (const { event: outcome, failed } of results) {
      metrics.add(outcome);
      if (outcome.outcome === 'succeeded') succeeded.push(succeededEntry(outcome));
      else logOutcome(logger, outcome, context.awsRequestId);
      options.onOutcome?.(outcome);
      if (failed) batchItemFailures.push({ itemIdentifier: outcome.messageId });
    }
    logSuccesses(logger, lane, succeeded);
    metrics.flush(lane, now());
    return { batchItemFailures };
  };

  const handler = middy<SQSEvent, SQSBatchResponse>().handler(processBatch);
  return {
    handler: (event, context) => handler(event, context),
    close: () => runner.close(),
  };
}
