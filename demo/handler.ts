/**
 * Lambda entry point of every lane's consumer. The stack deploys this one
 * bundle once per lane; `TASKLANES_LANE` picks the lane. In a worker thread
 * started by an isolated lane, the same module serves tasks instead.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { isMainThread } from 'node:worker_threads';
import { definition } from './definition.ts';
import { ENV } from '../src/definition/environment.ts';
import { ConfigurationError, createLaneConsumer, type LaneConsumer } from '../src/runtime/consumer.ts';
import { serveTaskWorker } from '../src/runtime/task-worker.ts';

serveTaskWorker(definition);

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set (the stack sets it on every consumer)`);
  return value;
}

function consumerFromEnvironment(): LaneConsumer {
  return createLaneConsumer({
    definition,
    lane: requireEnv(ENV.lane),
    dlqUrl: requireEnv(ENV.dlqUrl),
    dedupTable: requireEnv(ENV.dedupTable),
    metricsNamespace: process.env[ENV.metricsNamespace],
    sqs: new SQSClient({}),
    dynamodb: new DynamoDBClient({}),
    workerEntry: new URL(import.meta.url),
  });
}

// Built at init, outside the handler, so clients and workers are reused across invocations.
export const handler = isMainThread ? consumerFromEnvironment().handler : undefined;
