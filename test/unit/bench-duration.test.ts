/**
 * The bench's pure helpers behind figure 2's duration and `--runs`: the
 * median and spread over runs and how a cell shows them, Lambda's billed
 * milliseconds, an invocation's time on the wire and its round trips in
 * series, the duration and request floor in the bill, and the bench's
 * flags (`--runs`, `--help`, a typo). The rig itself runs only in
 * `npm run bench`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { costPerTask, MEMORY_SIZE_MB, requestFloor } from '../../bench/cost.ts';
import type { DrainResult } from '../../bench/drain.ts';
import { billedMs, seriesMs, wireMs, type InvocationTiming, type TimedRequest } from '../../bench/duration.ts';
import { BenchOptionsError, optionsFromArgs } from '../../bench/options.ts';
import { PRICES } from '../../bench/prices.ts';
import { cell } from '../../bench/report.ts';
import { spread } from '../../bench/stats.ts';

const LATENCY = { dynamodb: 5, sqs: 10 } as const;
const dynamodb = (startMs: number, endMs: number): TimedRequest => ({ service: 'dynamodb', startMs, endMs });

const NO_COUNTS = { requests: {}, writeUnits: 0, readUnits: 0, estimatedUnits: 0 };

/** A drain of `tasks` tasks in the given invocations, with the given drain requests and units. */
function drainOf(
  invocations: InvocationTiming[],
  options: { tasks: number; duplicates?: number; requests?: Record<string, number>; writeUnits?: number; logBytes?: number },
): DrainResult {
  return {
    spec: {
      contender: 'tasklanes',
      tasks: options.tasks,
      batchSize: 10,
      duplicateShare: 0,
      duplicateDistance: 100,
      publishPath: 'tuned',
      concurrency: 4,
      stallTimeoutMs: 1_000,
    },
    duplicates: options.duplicates ?? 0,
    elapsedMs: 100,
    publishMs: 10,
    tasksPerSecond: 100,
    publish: NO_COUNTS,
    drain: { ...NO_COUNTS, requests: options.requests ?? {}, writeUnits: options.writeUnits ?? 0 },
    logBytes: options.logBytes ?? 0,
    batches: invocations.length,
    invocations,
    reportedFailures: 0,
  };
}

describe('spread and cells over runs', () => {
  test('median and min–max of the runs', () => {
    assert.deepEqual(spread([1.2, 0.9, 1.5]), { median: 1.2, min: 0.9, max: 1.5 });
    assert.deepEqual(spread([2, 4]), { median: 3, min: 2, max: 4 });
  });

  test('a cell shows the median, and the min–max only when they differ at the precision shown', () => {
    const times = (value: number) => `${value.toFixed(2)}x`;
    assert.equal(cell([1.55, 1.35, 1.6], times), '1.55x (1.35x–1.60x)');
    assert.equal(
      cell([0.201, 0.203], (value) => value.toFixed(2)),
      '0.20',
    );
    assert.equal(cell([2.04], times), '2.04x');
  });
});

describe('duration', () => {
  test('Lambda bills whole milliseconds, rounded up, at least one', () => {
    assert.equal(billedMs(0.2), 1);
    assert.equal(billedMs(2), 2);
    assert.equal(billedMs(2.01), 3);
  });

  test('time on the wire counts overlapping requests once', () => {
    assert.equal(wireMs([dynamodb(0, 4), dynamodb(1, 3), dynamodb(6, 8)]), 6);
    assert.equal(wireMs([dynamodb(5, 9), dynamodb(0, 6)]), 9);
    assert.equal(wireMs([]), 0);
  });

  test('round trips in series: the longest chain of requests each sent after the one before was answered', () => {
    // Ten claims at once, then ten done marks each after its own claim: two in series, as the peer's records in parallel.
    const claims = Array.from({ length: 10 }, (_, n) => dynamodb(0, 2 + n / 10));
    const marks = claims.map((claim) => dynamodb(claim.endMs, claim.endMs + 2));
    assert.equal(seriesMs([...claims, ...marks], { dynamodb: 1, sqs: 1 }), 2);
    assert.equal(seriesMs([...claims, ...marks], LATENCY), 10);
    // A DLQ send after a claim: the services' own latencies add up.
    assert.equal(seriesMs([dynamodb(0, 1), { service: 'sqs', startMs: 1, endMs: 2 }], LATENCY), 15);
    assert.equal(seriesMs([], LATENCY), 0);
  });

  test("the bill adds duration at the stack's memory and arm64 price, measured and with AWS's round trips", () => {
    // One invocation of 10 tasks: 2.3 ms, of which 1.5 on the wire in two round trips in series.
    const invocation: InvocationTiming = { wallMs: 2.3, requests: [dynamodb(0.2, 1), dynamodb(1.2, 1.9)] };
    const cost = costPerTask(
      drainOf([invocation], { tasks: 10, requests: { BatchExecuteStatement: 1, BatchWriteItem: 1 }, writeUnits: 20 }),
      LATENCY,
    );
    const perMillion = (ms: number) => (ms / 1000) * (MEMORY_SIZE_MB / 1024) * PRICES.lambdaArm64PerGbSecond * (1e6 / 10);
    assert.equal(cost.billedMsPerInvocation, 3);
    assert.equal(cost.roundTripsPerInvocation, 2);
    assert.ok(Math.abs(cost.wireMsPerInvocation - 1.5) < 1e-9);
    // Off the wire 0.8 ms, plus two DynamoDB round trips of 5 ms: 10.8, billed 11.
    assert.equal(cost.awsBilledMsPerInvocation, 11);
    assert.ok(Math.abs(cost.durationDollarsPerMillion - perMillion(3)) < 1e-12);
    assert.ok(Math.abs(cost.dollarsPerMillion - cost.requestDollarsPerMillion - perMillion(3)) < 1e-12);
    assert.ok(Math.abs(cost.awsDollarsPerMillion - cost.requestDollarsPerMillion - perMillion(11)) < 1e-12);
  });

  test("the request floor: the raw floor's SQS requests and invocations, a claim per task, a done mark per task that runs", () => {
    const floor = drainOf(
      Array.from({ length: 10 }, () => ({ wallMs: 0.1, requests: [] })),
      { tasks: 100, duplicates: 20, requests: { ReceiveMessage: 20, DeleteMessageBatch: 10 } },
    );
    const cost = requestFloor(floor, LATENCY);
    assert.equal(cost.writeUnits, 1.8);
    assert.equal(cost.logBytes, 0);
    assert.equal(cost.sqsReceive, 0.2);
    assert.equal(cost.lambdaInvocations, 0.1);
    assert.equal(cost.dynamodbRequests, 0.2);
    assert.equal(cost.billedMsPerInvocation, 1);
    // Its own 0.1 ms plus the contract's two DynamoDB round trips.
    assert.equal(cost.awsBilledMsPerInvocation, 11);
    const requests =
      (0.3 * PRICES.sqsPerMillionRequests + 1.8 * PRICES.dynamodbPerMillionWriteUnits + 0.1 * PRICES.lambdaPerMillionRequests) / 1e6;
    assert.ok(Math.abs(cost.requestDollarsPerMillion - requests * 1e6) < 1e-9);
  });
});

describe('--runs', () => {
  test('defaults to one run, takes a whole number, combines with --quick', () => {
    assert.equal(optionsFromArgs([]).runs, 1);
    const options = optionsFromArgs(['--runs', '3', '--quick']);
    assert.equal(options.runs, 3);
    assert.equal(options.quick, true);
  });

  test('refuses a missing, zero, fractional or repeated count, and unknown flags', () => {
    for (const args of [['--runs'], ['--runs', '0'], ['--runs', '1.5'], ['--runs', 'x'], ['--runs', '2', '--runs', '3'], ['--fast']]) {
      assert.throws(() => optionsFromArgs(args), BenchOptionsError, args.join(' '));
    }
  });
});

describe('the bench command line', () => {
  const RUN = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
  const bench = (...args: string[]) => spawnSync(process.execPath, [RUN, ...args], { encoding: 'utf8' });

  test('--help prints the usage and exits 0 without starting the rig', () => {
    assert.equal(optionsFromArgs(['--help']).help, true);
    const run = bench('--help');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^usage: npm run bench -- \[--quick\] \[--runs N\] \[--help\]$/m);
    assert.doesNotMatch(run.stdout, /starting SQS/);
  });

  test('a typo exits 2 with one line naming it, not a stack trace', () => {
    const run = bench('--fast');
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'npm run bench: unknown argument --fast; options: --quick, --runs N (N a whole number from 1), --help\n');
  });
});
