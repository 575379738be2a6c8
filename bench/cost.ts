/**
 * Figure 2: AWS requests per task and the bill for a million tasks, from the
 * exact counts of a publish and a drain (request-counter.ts) and the prices
 * in prices.ts. Lambda requests are the poller's invocations (one per batch).
 */
import type { DrainResult } from './drain.ts';
import { PRICES } from './prices.ts';

const SQS_SEND = ['SendMessage', 'SendMessageBatch'];
const SQS_RECEIVE = ['ReceiveMessage'];
const SQS_DELETE = ['DeleteMessage', 'DeleteMessageBatch'];
const DYNAMODB = [
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'GetItem',
  'BatchWriteItem',
  'BatchGetItem',
  'BatchExecuteStatement',
  'TransactWriteItems',
  'Query',
];
const KNOWN = new Set([...SQS_SEND, ...SQS_RECEIVE, ...SQS_DELETE, ...DYNAMODB]);
const GB = 1024 ** 3;

/** A contender sent a request this figure has no column for: counting on would understate its bill. */
export class UnclassifiedRequestError extends Error {
  override readonly name = 'UnclassifiedRequestError';
}

export interface CostPerTask {
  readonly sqsSend: number;
  readonly sqsReceive: number;
  readonly sqsDelete: number;
  readonly dynamodbRequests: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  readonly lambdaInvocations: number;
  readonly logBytes: number;
  /** Every AWS request: SQS, DynamoDB and Lambda invocations. */
  readonly totalRequests: number;
  /** US dollars per million tasks. */
  readonly dollarsPerMillion: number;
}

const sum = (counts: Readonly<Record<string, number>>, names: readonly string[]) =>
  names.reduce((total, name) => total + (counts[name] ?? 0), 0);

export function costPerTask(run: DrainResult): CostPerTask {
  const tasks = run.spec.tasks;
  const all = { ...run.drain.requests };
  for (const [name, count] of Object.entries(run.publish.requests)) all[name] = (all[name] ?? 0) + count;
  const unknown = Object.keys(all).filter((name) => !KNOWN.has(name));
  if (unknown.length) throw new UnclassifiedRequestError(`${run.spec.contender} sent ${unknown.join(', ')}: add them to bench/cost.ts`);
  const per = (n: number) => n / tasks;
  const sqsSend = per(sum(all, SQS_SEND));
  const sqsReceive = per(sum(all, SQS_RECEIVE));
  const sqsDelete = per(sum(all, SQS_DELETE));
  const dynamodbRequests = per(sum(all, DYNAMODB));
  const writeUnits = per(run.drain.writeUnits + run.publish.writeUnits);
  const readUnits = per(run.drain.readUnits + run.publish.readUnits);
  const lambdaInvocations = per(run.batches);
  const logBytes = per(run.logBytes);
  const sqsRequests = sqsSend + sqsReceive + sqsDelete;
  const dollarsPerTask =
    (sqsRequests * PRICES.sqsPerMillionRequests +
      writeUnits * PRICES.dynamodbPerMillionWriteUnits +
      readUnits * PRICES.dynamodbPerMillionReadUnits +
      lambdaInvocations * PRICES.lambdaPerMillionRequests) /
      1e6 +
    (logBytes / GB) * PRICES.cloudwatchLogsPerGb;
  return {
    sqsSend,
    sqsReceive,
    sqsDelete,
    dynamodbRequests,
    writeUnits,
    readUnits,
    lambdaInvocations,
    logBytes,
    totalRequests: sqsRequests + dynamodbRequests + lambdaInvocations,
    dollarsPerMillion: dollarsPerTask * 1e6,
  };
}
