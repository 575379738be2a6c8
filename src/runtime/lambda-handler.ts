/**
 * The one call an app's Lambda entry makes: its definition in, the lane
 * handler out. The stack deploys the same bundle once per lane and tells it
 * which lane it consumes through the environment. In a worker thread started
 * by an isolated lane, the same module serves tasks instead, so the entry
 * file is also the worker entry.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ENV } from '../definition/environment.ts';
import type { Definition } from '../definition/registry.ts';
import { ConfigurationError, createLaneConsumer } from './consumer.ts';
import { isTaskWorkerThread, serveTaskWorker } from './task-worker.ts';

export type LaneHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface LaneHandlerOptions {
  /**
   * The entry module's own URL: pass `import.meta.url`. Isolated (`worker`)
   * lanes start their worker threads from it.
   */
  readonly entry: string | URL;
  /** @default a new SQSClient from the function's configuration */
  readonly sqs?: SQSClient;
  /** @default a new DynamoDBClient from the function's configuration */
  readonly dynamodb?: DynamoDBClient;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set (the tasklanes stack sets it on every consumer)`);
  return value;
}

/** Never called: a worker thread only serves tasks, and exports this in place of the handler. */
const workerThreadHandler: LaneHandler = async () => {
  throw new ConfigurationError('this module runs as a task worker thread; the lane handler lives in the main thread');
};

/**
 * `export const handler = createLaneHandler(definition, { entry: import.meta.url });`
 * Built at init, outside the handler, so clients and worker threads are reused across invocations.
 */
export function createLaneHandler(definition: Definition, options: LaneHandlerOptions): LaneHandler {
  if (isTaskWorkerThread()) {
    serveTaskWorker(definition);
    return workerThreadHandler;
  }
  const consumer = createLaneConsumer({
    definition,
    lane: requireEnv(ENV.lane),
    dlqUrl: requireEnv(ENV.dlqUrl),
    // Set by the stack only on lanes with limits; the consumer says so if one needs it.
    queueUrl: process.env[ENV.queueUrl],
    dedupTable: requireEnv(ENV.dedupTable),
    metricsNamespace: process.env[ENV.metricsNamespace],
    sqs: options.sqs ?? new SQSClient({}),
    dynamodb: options.dynamodb ?? new DynamoDBClient({}),
    workerEntry: new URL(options.entry),
  });
  return consumer.handler;
}
