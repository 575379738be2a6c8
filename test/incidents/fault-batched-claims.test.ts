/**
 * Faults in the batched claim path, the one AWS runs (DynamoDB Local only:
 * dynalite has no PartiQL). A batch's claims go out as one
 * BatchExecuteStatement of conditional INSERTs, and the keys found taken are
 * read back with one BatchGetItem (src/runtime/dedup.ts `claimMany`). Each
 * fault below hits one such request of a ten-record batch; whatever it does,
 * every record ends run exactly once or retried and then run (or
 * acknowledged) exactly once: never lost, never run twice.
 *
 * The faults are injected into the consumers' DynamoDB client
 * (test/support/dynamodb-faults.ts): a server does not fail one statement of
 * a batch, or lose an answer after applying it, on request.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  type BatchStatementErrorCodeEnum,
  type BatchStatementResponse,
} from '@aws-sdk/client-dynamodb';
import { DEDUP_TABLE_SCHEMA } from '../../src/definition/environment.ts';
import type { BatchEntry, PublishedTask } from '../../src/publisher/index.ts';
import { injectFaults, InjectedTimeoutError, type FaultInjector } from '../support/dynamodb-faults.ts';
import type { LedgerRow } from './ledger.ts';
import { incidentSuite } from './suite.ts';

const PK = DEDUP_TABLE_SCHEMA.partitionKey;
const LANE = 'notifications';
/** The lane's batch size: a backlog of this many, queued while the lane is paused, comes back as one batch. */
const BATCH = 10;
/** Of a ten-record batch, the statements a whole-request timeout lets through before the answer is lost. */
const APPLIED_BEFORE_TIMEOUT = 5;
/** Per-statement errors for statements DynamoDB did not apply (throttled, or failed inside). */
const NOT_APPLIED: Readonly<Record<number, BatchStatementErrorCodeEnum>> = {
  1: 'ThrottlingError',
  2: 'ProvisionedThroughputExceeded',
  3: 'InternalServerError',
};
/** A statement DynamoDB applied, yet answered with InternalServerError. */
const APPLIED_ANSWER_LOST = 4;
/** Of the five repeats' keys read back, how many BatchGetItem leaves unprocessed. */
const UNPROCESSED = 3;

const emails = (count: number, tag: string, dedupKey?: (i: number) => string): BatchEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'notify.email',
    payload: { to: `${tag}-${i}@example.com` },
    options: { tenant: 'acme', dedupKey: dedupKey?.(i) },
  }));

/** The figures of a row these scenarios set exactly. */
const figures = (row: LedgerRow) => ({
  published: row.published,
  executed: row.executed,
  succeeded: row.succeeded,
  duplicate: row.duplicate,
  coalesced: row.coalesced,
  deadLettered: row.deadLettered,
  retried: row.retried,
});

describe('on dynamodb-local', () => {
  const suite = incidentSuite({ dynamodb: 'dynamodb-local' });
  let faults: FaultInjector;
  before(() => {
    faults = injectFaults(suite.lanes().stack.clients.dynamodb);
  });

  /**
   * Queues `entries` while the lane is paused, arms the fault, and lets the lane go on: the entries come back as
   * one batch, whose claim request is the next one. Resolves once the fault has run.
   */
  async function oneBatchMeetingFault(entries: readonly BatchEntry[], arm: () => Promise<void>): Promise<PublishedTask[]> {
    const poller = suite.lanes().stack.pollers.get(LANE)!;
    await poller.pause();
    const tasks = await suite.lanes().publishAll(entries);
    const ran = arm();
    poller.resume();
    await ran;
    return tasks;
  }

  /** The dedup keys of the retries of `tasks`, in order. */
  const retriedKeys = (tasks: readonly PublishedTask[]) => {
    const ids = new Set(tasks.map((task) => task.id));
    return suite
      .lanes()
      .outcomesOf((event) => event.outcome === 'retried' && ids.has(event.id ?? ''))
      .map((event) => event.dedupKey);
  };

  test('fault: the batch claim request fails as a whole: every record of the batch is retried, then runs once', async (t) => {
    const ledger = await suite.ledger('fault: BatchExecuteStatement fails whole');
    let statements = 0;
    const tasks = await oneBatchMeetingFault(emails(BATCH, 'whole'), () =>
      faults.arm('BatchExecuteStatementCommand', async (input) => {
        statements = input.Statements!.length;
        throw new InternalServerError({ message: 'injected: the whole request failed', $metadata: {} });
      }),
    );
    assert.equal(statements, BATCH, 'the fault met the whole batch');
    ledger.published(tasks);
    const row = await ledger.settle(t);
    assert.deepEqual(figures(row), {
      published: 10,
      executed: 10,
      succeeded: 10,
      duplicate: 0,
      coalesced: 0,
      deadLettered: 0,
      retried: 10,
    });
  });

  test('fault: the batch claim request times out after DynamoDB applied half of it: every record is retried, and the redelivery takes its own claim over and runs it once', async (t) => {
    const ledger = await suite.ledger('fault: BatchExecuteStatement applied, answer lost');
    let applied: BatchStatementResponse[] = [];
    const tasks = await oneBatchMeetingFault(emails(BATCH, 'lost-answer'), () =>
      faults.arm('BatchExecuteStatementCommand', async (input, send) => {
        ({ Responses: applied = [] } = await send({ ...input, Statements: input.Statements!.slice(0, APPLIED_BEFORE_TIMEOUT) }));
        throw new InjectedTimeoutError('injected: the answer was lost after the statements were applied');
      }),
    );
    assert.deepEqual(
      applied.map((response) => response.Error),
      [undefined, undefined, undefined, undefined, undefined],
      'five claims landed before the answer was lost',
    );
    ledger.published(tasks);
    const row = await ledger.settle(t);
    assert.deepEqual(figures(row), {
      published: 10,
      executed: 10,
      succeeded: 10,
      duplicate: 0,
      coalesced: 0,
      deadLettered: 0,
      retried: 10,
    });
  });

  test("fault: the batch claim request times out after DynamoDB applied half of it and the SDK's retry gets through: the records whose claims had landed are retried, then run once; the others run at once", async (t) => {
    const ledger = await suite.ledger('fault: BatchExecuteStatement applied, retried by the SDK');
    let keys: string[] = [];
    const tasks = await oneBatchMeetingFault(emails(BATCH, 'sdk-retry'), () =>
      faults.arm('BatchExecuteStatementCommand', async (input, send) => {
        keys = input.Statements!.map((statement) => statement.Parameters![0]!.S!);
        await send({ ...input, Statements: input.Statements!.slice(0, APPLIED_BEFORE_TIMEOUT) });
        // The first answer is lost; the SDK sends the same request again.
        return send(input);
      }),
    );
    assert.equal(keys.length, BATCH, 'the fault met the whole batch');
    ledger.published(tasks);
    const row = await ledger.settle(t);
    // A claim of this same receive is what an SQS duplicate of the receive would find: leaseHeld, retried, and the
    // next receive takes it over (dedup.ts). Nothing runs twice; each landed claim costs one attempt.
    assert.deepEqual(figures(row), { published: 10, executed: 10, succeeded: 10, duplicate: 0, coalesced: 0, deadLettered: 0, retried: 5 });
    assert.deepEqual(new Set(retriedKeys(tasks)), new Set(keys.slice(0, APPLIED_BEFORE_TIMEOUT)), 'the records whose claims had landed');
  });

  test('fault: statements of the batch throttled or failing with InternalServerError are claimed again alone; the one DynamoDB applied anyway is retried, then runs once', async (t) => {
    const ledger = await suite.ledger('fault: statements throttled / InternalServerError');
    let keys: string[] = [];
    const tasks = await oneBatchMeetingFault(emails(BATCH, 'statements'), () =>
      faults.arm('BatchExecuteStatementCommand', async (input, send) => {
        const statements = input.Statements!;
        keys = statements.map((statement) => statement.Parameters![0]!.S!);
        const sent = statements.map((_, index) => index).filter((index) => !(index in NOT_APPLIED));
        const { Responses = [], ...rest } = await send({ ...input, Statements: sent.map((index) => statements[index]!) });
        const answers = new Map(sent.map((index, n) => [index, Responses[n]!]));
        const errorCode = (index: number): BatchStatementErrorCodeEnum | undefined =>
          NOT_APPLIED[index] ?? (index === APPLIED_ANSWER_LOST ? 'InternalServerError' : undefined);
        return {
          ...rest,
          Responses: statements.map((_, index) => {
            const code = errorCode(index);
            return code ? { Error: { Code: code, Message: 'injected' } } : answers.get(index)!;
          }),
        };
      }),
    );
    assert.equal(keys.length, BATCH, 'the fault met the whole batch');
    ledger.published(tasks);
    const row = await ledger.settle(t);
    // Throttled and failed statements wrote nothing: their records claim alone and run at once. The applied one
    // finds its own claim of this same receive (as an SQS duplicate would): retried, and its redelivery takes over.
    assert.deepEqual(figures(row), { published: 10, executed: 10, succeeded: 10, duplicate: 0, coalesced: 0, deadLettered: 0, retried: 1 });
    assert.deepEqual(retriedKeys(tasks), [keys[APPLIED_ANSWER_LOST]], 'the record whose statement was applied');
  });

  test("fault: the read-back of the batch's taken keys fails: the repeats are retried, then acknowledged as duplicates; the fresh records run once", async (t) => {
    const ledger = await suite.ledger('fault: BatchGetItem read-back fails');
    const done = await suite.lanes().publishAll(emails(5, 'read-fails', (i) => `read-fails-${i}`));
    ledger.published(done);
    await ledger.waitUntilSettled();
    let read = 0;
    const tasks = await oneBatchMeetingFault([...emails(5, 'read-fails', (i) => `read-fails-${i}`), ...emails(5, 'read-fails-fresh')], () =>
      faults.arm('BatchGetItemCommand', async (input) => {
        read = Object.values(input.RequestItems!)[0]!.Keys!.length;
        throw new ProvisionedThroughputExceededException({ message: 'injected: the read was throttled', $metadata: {} });
      }),
    );
    assert.equal(read, 5, 'the read-back asked for the five repeats');
    ledger.published(tasks);
    const row = await ledger.settle(t);
    assert.deepEqual(figures(row), { published: 15, executed: 10, succeeded: 10, duplicate: 5, coalesced: 0, deadLettered: 0, retried: 5 });
  });

  test('fault: the read-back leaves taken keys unprocessed: their records claim alone and are acknowledged as duplicates at once', async (t) => {
    const ledger = await suite.ledger('fault: BatchGetItem UnprocessedKeys');
    const done = await suite.lanes().publishAll(emails(5, 'unprocessed', (i) => `unprocessed-${i}`));
    ledger.published(done);
    await ledger.waitUntilSettled();
    let left = 0;
    const tasks = await oneBatchMeetingFault(
      [...emails(5, 'unprocessed', (i) => `unprocessed-${i}`), ...emails(5, 'unprocessed-fresh')],
      () =>
        faults.arm('BatchGetItemCommand', async (input, send) => {
          const output = await send(input);
          const [table, items] = Object.entries(output.Responses!)[0]!;
          const unprocessed = items.slice(0, UNPROCESSED);
          left = unprocessed.length;
          return {
            ...output,
            Responses: { [table]: items.slice(UNPROCESSED) },
            UnprocessedKeys: { [table]: { Keys: unprocessed.map((item) => ({ [PK]: item[PK]! })), ConsistentRead: true } },
          };
        }),
    );
    assert.equal(left, UNPROCESSED, 'keys left unprocessed');
    ledger.published(tasks);
    const row = await ledger.settle(t);
    assert.deepEqual(figures(row), { published: 15, executed: 10, succeeded: 10, duplicate: 5, coalesced: 0, deadLettered: 0, retried: 0 });
  });
});
