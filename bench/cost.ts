/**
 * Figure 2: AWS requests per task and the bill for a million tasks, from the
 * exact counts of a publish and a drain (request-counter.ts), each
 * invocation's duration (duration.ts) and the prices in prices.ts. Lambda
 * requests are the poller's invocations (one per batch). The request floor
 * is what any consumer with the dedup contract pays on the same path: the raw
 * floor's SQS requests and invocations, a claim per task and a done mark per
 * task that runs, and nothing else.
 */
import { DEFAULT_OPTIONS } from '../src/cdk/options.ts';
import type { DrainResult } from './drain.ts';
import { billedMs, seriesMs, wireMs, type InvocationTiming, type Service } from './duration.ts';
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
/** Lambda bills GB-seconds with memory in MB over 1024. */
const MB_PER_GB = 1024;
/** The stack's consumer memory (src/cdk/lane.ts takes it from these options): duration is billed at it. */
export const MEMORY_SIZE_MB = DEFAULT_OPTIONS.consumer.memorySizeMb;

/**
 * The dedup contract, the same for the peer: one conditional write claims a
 * task (a duplicate's fails, and is billed), one marks it done; a batch sends
 * its claims together and then its done marks, two round trips in series.
 */
export const DEDUP_CONTRACT = { claimUnits: 1, doneUnits: 1, roundTripsPerInvocation: 2 } as const;

/** A contender sent a request this figure has no column for: counting on would understate its bill. */
export class UnclassifiedRequestError extends Error {
  override readonly name = 'UnclassifiedRequestError';
}

/** Requests and capacity units by kind: totals of a drain (BillInput), or per task (CostPerTask). */
interface RequestCounts {
  readonly sqsSend: number;
  readonly sqsReceive: number;
  readonly sqsDelete: number;
  readonly dynamodbRequests: number;
  readonly writeUnits: number;
  readonly readUnits: number;
}

export interface CostPerTask extends RequestCounts {
  readonly lambdaInvocations: number;
  readonly logBytes: number;
  /** Every AWS request: SQS, DynamoDB and Lambda invocations. */
  readonly totalRequests: number;
  /** Mean billed milliseconds per invocation, as measured on the rig. */
  readonly billedMsPerInvocation: number;
  /** Of an invocation's wall time, mean milliseconds with one of its requests on the wire (the rig's latency). */
  readonly wireMsPerInvocation: number;
  /** Mean round trips an invocation waited for in series (duration.ts seriesMs). */
  readonly roundTripsPerInvocation: number;
  /** Estimate: mean billed milliseconds per invocation with AWS's round trips (BenchOptions.awsRoundTripMs) in place of the rig's. */
  readonly awsBilledMsPerInvocation: number;
  /** US dollars per million tasks for requests and log ingestion, duration left out. */
  readonly requestDollarsPerMillion: number;
  /** US dollars per million tasks for duration as measured. */
  readonly durationDollarsPerMillion: number;
  /** Requests, logs and duration as measured: US dollars per million tasks. */
  readonly dollarsPerMillion: number;
  /** Estimate: requests, logs and duration at AWS's round trips. */
  readonly awsDollarsPerMillion: number;
}

interface BillInput extends RequestCounts {
  readonly tasks: number;
  readonly invocations: number;
  readonly logBytes: number;
  /** Sums over the invocations. */
  readonly billedMs: number;
  readonly wireMs: number;
  readonly roundTrips: number;
  readonly awsBilledMs: number;
}

const sum = (counts: Readonly<Record<string, number>>, names: readonly string[]) =>
  names.reduce((total, name) => total + (counts[name] ?? 0), 0);

const ONE_ROUND_TRIP: Readonly<Record<Service, number>> = { sqs: 1, dynamodb: 1 };

const durationDollars = (ms: number) => (ms / 1000) * (MEMORY_SIZE_MB / MB_PER_GB) * PRICES.lambdaArm64PerGbSecond;

function bill(input: BillInput): CostPerTask {
  const per = (n: number) => n / input.tasks;
  const perInvocation = (n: number) => (input.invocations ? n / input.invocations : 0);
  const sqsRequests = input.sqsSend + input.sqsReceive + input.sqsDelete;
  const requestDollars =
    (sqsRequests * PRICES.sqsPerMillionRequests +
      input.writeUnits * PRICES.dynamodbPerMillionWriteUnits +
      input.readUnits * PRICES.dynamodbPerMillionReadUnits +
      input.invocations * PRICES.lambdaPerMillionRequests) /
      1e6 +
    (input.logBytes / GB) * PRICES.cloudwatchLogsPerGb;
  const toMillion = (dollars: number) => per(dollars) * 1e6;
  return {
    sqsSend: per(input.sqsSend),
    sqsReceive: per(input.sqsReceive),
    sqsDelete: per(input.sqsDelete),
    dynamodbRequests: per(input.dynamodbRequests),
    writeUnits: per(input.writeUnits),
    readUnits: per(input.readUnits),
    lambdaInvocations: per(input.invocations),
    logBytes: per(input.logBytes),
    totalRequests: per(sqsRequests + input.dynamodbRequests + input.invocations),
    billedMsPerInvocation: perInvocation(input.billedMs),
    wireMsPerInvocation: perInvocation(input.wireMs),
    roundTripsPerInvocation: perInvocation(input.roundTrips),
    awsBilledMsPerInvocation: perInvocation(input.awsBilledMs),
    requestDollarsPerMillion: toMillion(requestDollars),
    durationDollarsPerMillion: toMillion(durationDollars(input.billedMs)),
    dollarsPerMillion: toMillion(requestDollars + durationDollars(input.billedMs)),
    awsDollarsPerMillion: toMillion(requestDollars + durationDollars(input.awsBilledMs)),
  };
}

/** The run's requests, publish and drain together, by command; stops on one this figure cannot price. */
function requestsOf(run: DrainResult): Record<string, number> {
  const all = { ...run.drain.requests };
  for (const [name, count] of Object.entries(run.publish.requests)) all[name] = (all[name] ?? 0) + count;
  const unknown = Object.keys(all).filter((name) => !KNOWN.has(name));
  if (unknown.length) throw new UnclassifiedRequestError(`${run.spec.contender} sent ${unknown.join(', ')}: add them to bench/cost.ts`);
  return all;
}

/**
 * An invocation with AWS's round trips: its time off the wire as measured
 * (CPU, and the rig's one event loop shared by the batches in flight), plus
 * its longest chain of requests at AWS's latencies.
 */
const awsInvocationMs = (invocation: InvocationTiming, latencyMs: Readonly<Record<Service, number>>) =>
  invocation.wallMs - wireMs(invocation.requests) + seriesMs(invocation.requests, latencyMs);

const sumOver = (invocations: readonly InvocationTiming[], ms: (invocation: InvocationTiming) => number) =>
  invocations.reduce((sofar, invocation) => sofar + ms(invocation), 0);

export function costPerTask(run: DrainResult, awsRoundTripMs: Readonly<Record<Service, number>>): CostPerTask {
  const all = requestsOf(run);
  return bill({
    tasks: run.spec.tasks,
    sqsSend: sum(all, SQS_SEND),
    sqsReceive: sum(all, SQS_RECEIVE),
    sqsDelete: sum(all, SQS_DELETE),
    dynamodbRequests: sum(all, DYNAMODB),
    writeUnits: run.drain.writeUnits + run.publish.writeUnits,
    readUnits: run.drain.readUnits + run.publish.readUnits,
    invocations: run.batches,
    logBytes: run.logBytes,
    billedMs: sumOver(run.invocations, (invocation) => billedMs(invocation.wallMs)),
    wireMs: sumOver(run.invocations, (invocation) => wireMs(invocation.requests)),
    roundTrips: sumOver(run.invocations, (invocation) => seriesMs(invocation.requests, ONE_ROUND_TRIP)),
    awsBilledMs: sumOver(run.invocations, (invocation) => billedMs(awsInvocationMs(invocation, awsRoundTripMs))),
  });
}

/**
 * The request floor of a path, from the raw floor's drain of it: its SQS
 * requests, invocations and duration (a handler that does nothing: Lambda's
 * minimum), the dedup contract's writes and round trips, no logs. Measured,
 * the contract's round trips add nothing (the raw floor sends none); the AWS
 * estimate adds them at DynamoDB's latency.
 */
export function requestFloor(floor: DrainResult, awsRoundTripMs: Readonly<Record<Service, number>>): CostPerTask {
  const all = requestsOf(floor);
  const { tasks } = floor.spec;
  const contractMs = DEDUP_CONTRACT.roundTripsPerInvocation * awsRoundTripMs.dynamodb;
  return bill({
    tasks,
    sqsSend: sum(all, SQS_SEND),
    sqsReceive: sum(all, SQS_RECEIVE),
    sqsDelete: sum(all, SQS_DELETE),
    dynamodbRequests: floor.batches * DEDUP_CONTRACT.roundTripsPerInvocation,
    writeUnits: tasks * DEDUP_CONTRACT.claimUnits + (tasks - floor.duplicates) * DEDUP_CONTRACT.doneUnits,
    readUnits: 0,
    invocations: floor.batches,
    logBytes: 0,
    billedMs: sumOver(floor.invocations, (invocation) => billedMs(invocation.wallMs)),
    wireMs: 0,
    roundTrips: floor.batches * DEDUP_CONTRACT.roundTripsPerInvocation,
    awsBilledMs: sumOver(floor.invocations, (invocation) => billedMs(invocation.wallMs + contractMs)),
  });
}
