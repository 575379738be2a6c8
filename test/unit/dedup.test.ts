/**
 * The dedup store's decisions, against a DynamoDB client answered in-process:
 * what each blocking record means (duplicate, coalesced, leaseHeld, or stale
 * and taken over), the requests each path sends, the batch claim's handling
 * of each statement error, and the fallback when the server has no PartiQL.
 * test/runtime/dedup.test.ts runs the same store against real servers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DedupStatementError, DedupStore, type ClaimEntry, type ClaimResult } from '../../src/runtime/dedup.ts';
import { T0, fakeClock, fakeDynamoDbClient, type Reply, type SentCommand } from './helpers/factories.ts';

const TABLE = 'dedup';
const KEY = 'acme#unit.work#task-1';
const REQUEST = { owner: 'msg-1', attempt: 1, taskId: 'task-1', leaseMs: 35_000 } as const;
/** T0 in seconds, as the TTL attribute counts. */
const T0_SECONDS = 1_714_564_800;

const CLAIM_CONDITION =
  'attribute_not_exists(pk)' +
  ' OR (#status = :claimed AND leaseUntil < :now)' +
  ' OR (#status = :claimed AND #owner = :owner AND attempt < :attempt)' +
  ' OR (#status = :done AND expiresAt < :nowSeconds)';

/** The PutItem of a claim of `key` by REQUEST at T0. */
const claimPut = (key = KEY): SentCommand => ({
  name: 'PutItemCommand',
  input: {
    TableName: TABLE,
    Item: {
      pk: { S: key },
      status: { S: 'claimed' },
      owner: { S: 'msg-1' },
      attempt: { N: '1' },
      taskId: { S: 'task-1' },
      leaseUntil: { N: '1714564835000' },
      expiresAt: { N: '1714564835' },
    },
    ConditionExpression: CLAIM_CONDITION,
    ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
    ExpressionAttributeValues: {
      ':claimed': { S: 'claimed' },
      ':done': { S: 'done' },
      ':owner': { S: 'msg-1' },
      ':attempt': { N: '1' },
      ':now': { N: '1714564800000' },
      ':nowSeconds': { N: '1714564800' },
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

const done = (expiresAt: number | undefined): Record<string, AttributeValue> => ({
  pk: { S: KEY },
  status: { S: 'done' },
  ...(expiresAt === undefined ? {} : { expiresAt: { N: String(expiresAt) } }),
});
const claimedBy = (owner: string | undefined, leaseUntil: number | undefined, attempt?: number): Record<string, AttributeValue> => ({
  pk: { S: KEY },
  status: { S: 'claimed' },
  ...(owner === undefined ? {} : { owner: { S: owner } }),
  ...(leaseUntil === undefined ? {} : { leaseUntil: { N: String(leaseUntil) } }),
  ...(attempt === undefined ? {} : { attempt: { N: String(attempt) } }),
});

const conditionFailed = (item?: Record<string, AttributeValue>) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(item ? { Item: item } : {}) });

/** What a server without PartiQL answers (the SDK names an unmodelled error after its code). */
class UnknownOperationException extends Error {
  override readonly name = 'UnknownOperationException';
}

/** Answers per command name, in order; a scripted Error is thrown. A command with no answer left fails the test. */
function scripted(answers: Record<string, unknown[]>): Reply {
  return ({ name }) => {
    const queue = answers[name];
    if (!queue?.length) throw new assert.AssertionError({ message: `no answer scripted for ${name}` });
    const answer = queue.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

function prepare(answers: Record<string, unknown[]>) {
  const { client, sent } = fakeDynamoDbClient(scripted(answers));
  const clock = fakeClock();
  return { store: new DedupStore({ client, table: TABLE, now: clock.now }), sent, clock };
}

const names = (sent: readonly SentCommand[]) => sent.map((command) => command.name);
const settledAll = (claims: Array<Promise<ClaimResult>>) =>
  Promise.all(
    claims.map((claim) =>
      claim.then(
        (result) => result,
        (error: Error) => ({ rejected: `${error.name}: ${error.message}` }),
      ),
    ),
  );

describe('claim', () => {
  test('a free key: one conditional PutItem, claimed', async () => {
    // Prepare
    const { store, sent } = prepare({ PutItemCommand: [{}] });
    // Act
    const result = await store.claim(KEY, REQUEST);
    // Assess
    assert.deepEqual(result, { kind: 'claimed' });
    assert.deepEqual(sent, [claimPut()]);
  });

  const verdicts: Array<[string, Record<string, AttributeValue>, ClaimResult]> = [
    ['done within its window', done(T0_SECONDS + 600), { kind: 'duplicate' }],
    ['done, its window ending this second', done(T0_SECONDS), { kind: 'duplicate' }],
    ['a live claim of another delivery', claimedBy('msg-0', T0 + 1_000, 1), { kind: 'coalesced', owner: 'msg-0' }],
    ["another delivery's claim whose lease ends this millisecond", claimedBy('msg-0', T0, 1), { kind: 'coalesced', owner: 'msg-0' }],
    ['a claim without an owner (not ours)', claimedBy(undefined, T0 + 1_000), { kind: 'coalesced', owner: '' }],
    ["this receive's live claim (an SQS duplicate)", claimedBy('msg-1', T0 + 1_000, 1), { kind: 'leaseHeld', leaseUntil: T0 + 1_000 }],
    ["this message's claim from a later receive", claimedBy('msg-1', T0 + 1_000, 2), { kind: 'leaseHeld', leaseUntil: T0 + 1_000 }],
    ["this message's claim with no attempt recorded", claimedBy('msg-1', T0 + 1_000), { kind: 'leaseHeld', leaseUntil: T0 + 1_000 }],
  ];
  for (const [name, item, verdict] of verdicts) {
    test(`blocked by ${name}: ${verdict.kind}, from the record the failed write returned`, async () => {
      // Prepare
      const { store, sent } = prepare({ PutItemCommand: [conditionFailed(item)] });
      // Act
      const result = await store.claim(KEY, REQUEST);
      // Assess
      assert.deepEqual(result, verdict);
      assert.deepEqual(names(sent), ['PutItemCommand']);
    });
  }

  const stale: Array<[string, Record<string, AttributeValue>]> = [
    ['done with its window passed', done(T0_SECONDS - 1)],
    ['done with no expiry', done(undefined)],
    ['a claim whose lease has passed (its owner crashed)', claimedBy('msg-0', T0 - 1, 1)],
    ['a claim with no lease', claimedBy('msg-0', undefined, 1)],
    ["this message's claim from an earlier receive (that invocation has ended)", claimedBy('msg-1', T0 + 1_000, 0)],
  ];
  for (const [name, item] of stale) {
    test(`blocked by ${name}: stale, so the write is tried again and claims`, async () => {
      // Prepare
      const { store, sent } = prepare({ PutItemCommand: [conditionFailed(item), {}] });
      // Act
      const result = await store.claim(KEY, REQUEST);
      // Assess
      assert.deepEqual(result, { kind: 'claimed' });
      assert.deepEqual(sent, [claimPut(), claimPut()]);
    });
  }

  test('a server that returns no record with the failure (dynalite): one consistent GetItem decides', async () => {
    // Prepare
    const { store, sent } = prepare({ PutItemCommand: [conditionFailed()], GetItemCommand: [{ Item: claimedBy('msg-0', T0 + 1_000, 1) }] });
    // Act
    const result = await store.claim(KEY, REQUEST);
    // Assess
    assert.deepEqual(result, { kind: 'coalesced', owner: 'msg-0' });
    assert.deepEqual(sent.slice(1), [
      { name: 'GetItemCommand', input: { TableName: TABLE, Key: { pk: { S: KEY } }, ConsistentRead: true } },
    ]);
  });

  test('the blocking record gone by each read (released meanwhile): three rounds, then the condition failure is thrown', async () => {
    // Prepare
    const failure = conditionFailed();
    const { store, sent } = prepare({ PutItemCommand: [failure, failure, failure], GetItemCommand: [{}, {}, {}] });
    // Act
    const claiming = store.claim(KEY, REQUEST);
    // Assess
    await assert.rejects(claiming, ConditionalCheckFailedException);
    assert.deepEqual(names(sent), [
      'PutItemCommand',
      'GetItemCommand',
      'PutItemCommand',
      'GetItemCommand',
      'PutItemCommand',
      'GetItemCommand',
    ]);
  });

  test('any other failure of the write is thrown as it is, after one request', async () => {
    // Prepare
    const { store, sent } = prepare({ PutItemCommand: [new Error('connect ECONNREFUSED')] });
    // Act
    const claiming = store.claim(KEY, REQUEST);
    // Assess
    await assert.rejects(claiming, { message: 'connect ECONNREFUSED' });
    assert.deepEqual(names(sent), ['PutItemCommand']);
  });
});

describe('claimMany', () => {
  const entry = (key: string, owner = 'msg-1'): ClaimEntry => ({ key, request: { ...REQUEST, owner } });
  const INSERT = `INSERT INTO "dedup" VALUE {'pk': ?, 'status': ?, 'owner': ?, 'attempt': ?, 'taskId': ?, 'leaseUntil': ?, 'expiresAt': ?}`;

  test('one entry: the conditional PutItem alone (it returns the blocking record)', async () => {
    // Prepare
    const { store, sent } = prepare({ PutItemCommand: [{}] });
    // Act
    const results = await settledAll(store.claimMany([entry(KEY)]));
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }]);
    assert.deepEqual(sent, [claimPut()]);
  });

  test('free keys: one BatchExecuteStatement of conditional INSERTs, every entry claimed', async () => {
    // Prepare
    const { store, sent } = prepare({ BatchExecuteStatementCommand: [{ Responses: [{}, {}] }] });
    // Act
    const results = await settledAll(store.claimMany([entry('acme#t#a'), entry('acme#t#b', 'msg-2')]));
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'claimed' }]);
    const parameters = (key: string, owner: string) => [
      { S: key },
      { S: 'claimed' },
      { S: owner },
      { N: '1' },
      { S: 'task-1' },
      { N: '1714564835000' },
      { N: '1714564835' },
    ];
    assert.deepEqual(sent, [
      {
        name: 'BatchExecuteStatementCommand',
        input: {
          Statements: [
            { Statement: INSERT, Parameters: parameters('acme#t#a', 'msg-1'), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
            { Statement: INSERT, Parameters: parameters('acme#t#b', 'msg-2'), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
          ],
        },
      },
    ]);
    assert.equal(store.claimWrites, 'batch');
  });

  test('each statement error settles its own entry: taken keys judged, transient ones claimed alone, others rejected', async () => {
    // Prepare
    const { store, sent } = prepare({
      BatchExecuteStatementCommand: [
        {
          Responses: [
            {},
            { Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table', Item: done(T0_SECONDS + 600) } },
            { Error: { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' } },
            { Error: { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity' } },
            { Error: { Code: 'ValidationError', Message: 'One or more parameter values were invalid' } },
            { Error: {} },
          ],
        },
      ],
      BatchGetItemCommand: [{ Responses: { [TABLE]: [{ ...claimedBy('msg-0', T0 + 1_000, 1), pk: { S: 'acme#t#read' } }] } }],
      PutItemCommand: [{}],
    });
    // Act
    const results = await settledAll(
      store.claimMany([
        entry('acme#t#free'),
        entry('acme#t#returned'),
        entry('acme#t#read'),
        entry('acme#t#throttled'),
        entry('acme#t#invalid'),
        entry('acme#t#unexplained'),
      ]),
    );
    // Assess
    assert.deepEqual(results, [
      { kind: 'claimed' },
      { kind: 'duplicate' },
      { kind: 'coalesced', owner: 'msg-0' },
      { kind: 'claimed' },
      { rejected: 'DedupStatementError: ValidationError: One or more parameter values were invalid' },
      { rejected: 'DedupStatementError: Unknown: statement failed' },
    ]);
    // Only the key found taken without its record is read back; the throttled one is claimed alone (the two go out concurrently).
    assert.deepEqual(
      sent.slice(1).sort((a, b) => a.name.localeCompare(b.name)),
      [
        {
          name: 'BatchGetItemCommand',
          input: { RequestItems: { [TABLE]: { Keys: [{ pk: { S: 'acme#t#read' } }], ConsistentRead: true } } },
        },
        claimPut('acme#t#throttled'),
      ],
    );
  });

  // What AWS puts on a failed member is not settled (issue 17): the batch works with the record on the error and without it.
  const batchOfFour = () => [entry('acme#t#a'), entry('acme#t#b', 'msg-2'), entry('acme#t#c', 'msg-3'), entry('acme#t#d', 'msg-4')];
  const duplicateItem = (item?: Record<string, AttributeValue>) => ({
    Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table', ...(item ? { Item: item } : {}) },
  });

  test('taken keys whose errors carry the record (ALL_OLD honoured): judged from it, one request for the batch', async () => {
    // Prepare
    const { store, sent } = prepare({
      BatchExecuteStatementCommand: [
        {
          Responses: [
            {},
            duplicateItem({ ...done(T0_SECONDS + 600), pk: { S: 'acme#t#b' } }),
            duplicateItem({ ...claimedBy('msg-0', T0 + 1_000, 1), pk: { S: 'acme#t#c' } }),
            {},
          ],
        },
      ],
    });
    // Act
    const results = await settledAll(store.claimMany(batchOfFour()));
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'duplicate' }, { kind: 'coalesced', owner: 'msg-0' }, { kind: 'claimed' }]);
    assert.deepEqual(names(sent), ['BatchExecuteStatementCommand']);
  });

  test('taken keys whose errors carry no record (DynamoDB Local): both read back in one BatchGetItem, two requests for the batch', async () => {
    // Prepare
    const { store, sent } = prepare({
      BatchExecuteStatementCommand: [{ Responses: [{}, duplicateItem(), duplicateItem(), {}] }],
      BatchGetItemCommand: [
        {
          Responses: {
            [TABLE]: [
              { ...claimedBy('msg-0', T0 + 1_000, 1), pk: { S: 'acme#t#c' } },
              { ...done(T0_SECONDS + 600), pk: { S: 'acme#t#b' } },
            ],
          },
        },
      ],
    });
    // Act
    const results = await settledAll(store.claimMany(batchOfFour()));
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'duplicate' }, { kind: 'coalesced', owner: 'msg-0' }, { kind: 'claimed' }]);
    assert.deepEqual(sent.slice(1), [
      {
        name: 'BatchGetItemCommand',
        input: { RequestItems: { [TABLE]: { Keys: [{ pk: { S: 'acme#t#b' } }, { pk: { S: 'acme#t#c' } }], ConsistentRead: true } } },
      },
    ]);
  });

  test('a record returned for one taken key and not for another: only the other is read back', async () => {
    // Prepare
    const { store, sent } = prepare({
      BatchExecuteStatementCommand: [
        { Responses: [{}, duplicateItem({ ...done(T0_SECONDS + 600), pk: { S: 'acme#t#b' } }), duplicateItem(), {}] },
      ],
      BatchGetItemCommand: [{ Responses: { [TABLE]: [{ ...claimedBy('msg-0', T0 + 1_000, 1), pk: { S: 'acme#t#c' } }] } }],
    });
    // Act
    const results = await settledAll(store.claimMany(batchOfFour()));
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'duplicate' }, { kind: 'coalesced', owner: 'msg-0' }, { kind: 'claimed' }]);
    assert.deepEqual(sent.slice(1), [
      { name: 'BatchGetItemCommand', input: { RequestItems: { [TABLE]: { Keys: [{ pk: { S: 'acme#t#c' } }], ConsistentRead: true } } } },
    ]);
  });

  test('a returned record that is stale: claimed alone with the conditional PutItem, no read back', async () => {
    // Prepare
    const { store, sent } = prepare({
      BatchExecuteStatementCommand: [{ Responses: [{}, duplicateItem({ ...claimedBy('msg-0', T0 - 1, 1), pk: { S: 'acme#t#b' } })] }],
      PutItemCommand: [{}],
    });
    // Act
    const results = await settledAll(store.claimMany([entry('acme#t#a'), entry('acme#t#b')]));
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'claimed' }]);
    assert.deepEqual(sent.slice(1), [claimPut('acme#t#b')]);
  });

  test('a taken key that reads back stale, or gone, is claimed alone with the conditional PutItem', async () => {
    // Prepare
    const taken = { Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' } };
    const { store, sent } = prepare({
      BatchExecuteStatementCommand: [{ Responses: [taken, taken] }],
      BatchGetItemCommand: [{ Responses: { [TABLE]: [{ ...claimedBy('msg-0', T0 - 1, 1), pk: { S: 'acme#t#stale' } }] } }],
      PutItemCommand: [{}, {}],
    });
    // Act
    const results = await settledAll(store.claimMany([entry('acme#t#stale'), entry('acme#t#gone')]));
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'claimed' }]);
    assert.deepEqual(sent.slice(2), [claimPut('acme#t#stale'), claimPut('acme#t#gone')]);
  });

  test('a read back that returns nothing at all: every taken key is claimed alone', async () => {
    // Prepare
    const taken = { Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' } };
    const { store, sent } = prepare({
      BatchExecuteStatementCommand: [{ Responses: [taken, {}] }],
      BatchGetItemCommand: [{}],
      PutItemCommand: [{}],
    });
    // Act
    const results = await settledAll(store.claimMany([entry('acme#t#a'), entry('acme#t#b')]));
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'claimed' }]);
    assert.deepEqual(names(sent), ['BatchExecuteStatementCommand', 'BatchGetItemCommand', 'PutItemCommand']);
  });

  test('fewer responses than statements: every entry rejects, nothing is guessed', async () => {
    // Prepare
    const { store } = prepare({ BatchExecuteStatementCommand: [{ Responses: [{}] }, {}] });
    // Act
    const short = await settledAll(store.claimMany([entry('acme#t#a'), entry('acme#t#b')]));
    const none = await settledAll(store.claimMany([entry('acme#t#a'), entry('acme#t#b')]));
    // Assess
    assert.deepEqual(short, [
      { rejected: 'DedupStatementError: ResponseMismatch: 2 statements, 1 responses' },
      { rejected: 'DedupStatementError: ResponseMismatch: 2 statements, 1 responses' },
    ]);
    assert.deepEqual(none, [
      { rejected: 'DedupStatementError: ResponseMismatch: 2 statements, 0 responses' },
      { rejected: 'DedupStatementError: ResponseMismatch: 2 statements, 0 responses' },
    ]);
  });

  test('the whole request failing rejects every entry with its error', async () => {
    // Prepare
    const { store } = prepare({ BatchExecuteStatementCommand: [new Error('socket hang up')] });
    // Act
    const results = await settledAll(store.claimMany([entry('acme#t#a'), entry('acme#t#b')]));
    // Assess
    assert.deepEqual(results, [{ rejected: 'Error: socket hang up' }, { rejected: 'Error: socket hang up' }]);
  });

  test('a server without PartiQL: single claims now and from then on', async () => {
    // Prepare
    const { store, sent } = prepare({
      BatchExecuteStatementCommand: [new UnknownOperationException('An unknown operation was requested')],
      PutItemCommand: [{}, conditionFailed(done(T0_SECONDS + 600)), {}, {}],
    });
    // Act
    const first = await settledAll(store.claimMany([entry('acme#t#a'), entry('acme#t#b')]));
    const later = await settledAll(store.claimMany([entry('acme#t#c'), entry('acme#t#d')]));
    // Assess
    assert.deepEqual(first, [{ kind: 'claimed' }, { kind: 'duplicate' }]);
    assert.deepEqual(later, [{ kind: 'claimed' }, { kind: 'claimed' }]);
    assert.equal(store.claimWrites, 'single');
    assert.deepEqual(names(sent), ['BatchExecuteStatementCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand']);
  });

  test('a statement error is a DedupStatementError carrying its code', async () => {
    // Prepare
    const { store } = prepare({ BatchExecuteStatementCommand: [{ Responses: [{}, { Error: { Code: 'AccessDenied', Message: 'no' } }] }] });
    // Act
    const [, denied] = store.claimMany([entry('acme#t#a'), entry('acme#t#b')]);
    // Assess
    await assert.rejects(denied!, (error: unknown) => error instanceof DedupStatementError && error.code === 'AccessDenied');
  });
});

describe('done marks and release', () => {
  const doneItem = (key: string, owner: string, taskId: string, expiresAt: string) => ({
    pk: { S: key },
    status: { S: 'done' },
    owner: { S: owner },
    taskId: { S: taskId },
    doneAt: { N: '1714564800000' },
    expiresAt: { N: expiresAt },
  });

  test('markDone: an unconditional PutItem of the done record (when, by whom), expiring after the window', async () => {
    // Prepare
    const { store, sent } = prepare({ PutItemCommand: [{}] });
    // Act
    await store.markDone(KEY, 'msg-1', 'task-1', 600);
    // Assess
    assert.deepEqual(sent, [{ name: 'PutItemCommand', input: { TableName: TABLE, Item: doneItem(KEY, 'msg-1', 'task-1', '1714565400') } }]);
  });

  test('markDoneMany: one BatchWriteItem; returns the marks DynamoDB left unprocessed', async () => {
    // Prepare
    const { store, sent } = prepare({
      BatchWriteItemCommand: [
        { UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: doneItem('acme#t#b', 'msg-2', 't2', '1714565400') } }] } },
        {},
      ],
    });
    const marks = [
      { key: 'acme#t#a', owner: 'msg-1', taskId: 't1', windowSeconds: 600 },
      { key: 'acme#t#b', owner: 'msg-2', taskId: 't2', windowSeconds: 600 },
    ];
    // Act
    const left = await store.markDoneMany(marks);
    const noneLeft = await store.markDoneMany(marks);
    // Assess
    assert.deepEqual(left, [{ key: 'acme#t#b', owner: 'msg-2', taskId: 't2', windowSeconds: 600 }]);
    assert.deepEqual(noneLeft, []);
    assert.deepEqual(sent[0], {
      name: 'BatchWriteItemCommand',
      input: {
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: doneItem('acme#t#a', 'msg-1', 't1', '1714565400') } },
            { PutRequest: { Item: doneItem('acme#t#b', 'msg-2', 't2', '1714565400') } },
          ],
        },
      },
    });
  });

  test('release: a DeleteItem only while this delivery holds the claim', async () => {
    // Prepare
    const { store, sent } = prepare({ DeleteItemCommand: [{}] });
    // Act
    await store.release(KEY, 'msg-1');
    // Assess
    assert.deepEqual(sent, [
      {
        name: 'DeleteItemCommand',
        input: {
          TableName: TABLE,
          Key: { pk: { S: KEY } },
          ConditionExpression: '#status = :claimed AND #owner = :owner',
          ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
          ExpressionAttributeValues: { ':claimed': { S: 'claimed' }, ':owner': { S: 'msg-1' } },
        },
      },
    ]);
  });

  test('release of a claim someone else took over is a no-op; any other failure is thrown', async () => {
    // Prepare
    const { store } = prepare({ DeleteItemCommand: [conditionFailed(), new Error('connect ECONNREFUSED')] });
    // Act
    const takenOver = store.release(KEY, 'msg-1');
    // Assess
    await assert.doesNotReject(takenOver);
    await assert.rejects(store.release(KEY, 'msg-1'), { message: 'connect ECONNREFUSED' });
  });
});

describe('record: the record read back for the task lookup', () => {
  test('one consistent GetItem; a claim with its attempt and lease, a done record with when and until when', async () => {
    // Prepare
    const claimed = {
      pk: { S: KEY },
      status: { S: 'claimed' },
      owner: { S: 'msg-1' },
      attempt: { N: '2' },
      taskId: { S: 'task-1' },
      leaseUntil: { N: '1714564835000' },
      expiresAt: { N: '1714564835' },
    };
    const doneRecord = {
      pk: { S: KEY },
      status: { S: 'done' },
      owner: { S: 'msg-2' },
      taskId: { S: 'task-1' },
      doneAt: { N: '1714564801000' },
      expiresAt: { N: '1714651201' },
    };
    const legacyDone = {
      pk: { S: KEY },
      status: { S: 'done' },
      owner: { S: 'msg-2' },
      taskId: { S: 'task-1' },
      expiresAt: { N: '1714651201' },
    };
    const { store, sent } = prepare({ GetItemCommand: [{ Item: claimed }, { Item: doneRecord }, { Item: legacyDone }, {}] });
    // Act
    const results = [await store.record(KEY), await store.record(KEY), await store.record(KEY), await store.record(KEY)];
    // Assess
    assert.deepEqual(results, [
      { status: 'claimed', key: KEY, owner: 'msg-1', taskId: 'task-1', attempt: 2, leaseUntil: 1_714_564_835_000 },
      { status: 'done', key: KEY, owner: 'msg-2', taskId: 'task-1', doneAt: 1_714_564_801_000, duplicateUntil: 1_714_651_201_000 },
      { status: 'done', key: KEY, owner: 'msg-2', taskId: 'task-1', duplicateUntil: 1_714_651_201_000 },
      undefined,
    ]);
    assert.deepEqual(sent[0], { name: 'GetItemCommand', input: { TableName: TABLE, Key: { pk: { S: KEY } }, ConsistentRead: true } });
  });
});
