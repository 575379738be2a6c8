/**
 * The dedup store: one DynamoDB record per `tenant#type#dedupKey`, claimed
 * with a single conditional write (docs/design.md#3-dedup-claim, and its
 * semantics in docs/design.md#dedup-semantics).
 *
 * - `claimed` records carry a lease; a claim whose lease has passed can be
 *   taken over (its owner crashed). So can a claim left by an earlier receive
 *   of this same message: SQS hands a message out again only after its
 *   visibility timeout, which the stack keeps at 6x the function timeout, so
 *   that earlier invocation has ended. It crashed, or its claim reached the
 *   table while the answer was lost; waiting for the lease would spend the
 *   message's attempts for nothing.
 * - `done` records suppress repeats until `expiresAt` (the table's TTL
 *   attribute). The condition also checks `expiresAt` because TTL deletion
 *   lags by up to two days on AWS and does not exist on dynalite.
 *
 * On a failed claim, AWS returns the blocking record with the error
 * (`ReturnValuesOnConditionCheckFailure`); where a server does not
 * (dynalite), one consistent read fetches it.
 *
 * Several claims go in one request (`claimMany`): a PartiQL
 * BatchExecuteStatement of INSERTs. Each INSERT is still one conditional
 * write of its own (it fails only when its key exists, and never takes its
 * batch-mates with it, unlike a transaction), billed like a PutItem. Each
 * statement asks for the blocking record (`ReturnValuesOnConditionCheckFailure`,
 * documented on BatchStatementRequest); a failed statement whose error
 * carries it is judged from it at once, and only the keys whose errors came
 * without one (DynamoDB Local ignores the field; what AWS returns is not
 * settled, issue 17) are read back, in one BatchGetItem. The rare record
 * that turns out stale (lease expired, done window passed, or gone since)
 * is claimed alone with the conditional PutItem. A server without PartiQL
 * (dynalite) gets single claims.
 */
import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type BatchStatementError,
  type BatchStatementResponse,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DEDUP_TABLE_SCHEMA } from '../definition/environment.ts';

export type ClaimResult =
  /** The caller owns the work until `leaseUntil`. */
  | { readonly kind: 'claimed' }
  /** Done within the dedup window. */
  | { readonly kind: 'duplicate' }
  /** Another delivery holds a live claim and still owns the work. */
  | { readonly kind: 'coalesced'; readonly owner: string }
  /** This same delivery's earlier attempt still holds the lease (it crashed or overran). */
  | { readonly kind: 'leaseHeld'; readonly leaseUntil: number };

/**
 * A dedup record as the store keeps it, read back for people: the ops
 * CLI's task lookup (`tasklanes task`). Times are epoch milliseconds.
 */
export type DedupRecord =
  | {
      readonly status: 'claimed';
      readonly key: string;
      /** The delivery (SQS message id) holding the claim. */
      readonly owner: string;
      readonly taskId: string;
      /** Which receive of that message claimed it. */
      readonly attempt: number;
      /** Another delivery may take the claim over after this. */
      readonly leaseUntil: number;
    }
  | {
      readonly status: 'done';
      readonly key: string;
      /** The delivery (SQS message id) that ran the work. */
      readonly owner: string;
      readonly taskId: string;
      /** Absent on records written by tasklanes 0.2.0 and earlier. */
      readonly doneAt?: number;
      /** Repeats are duplicates until then (the dedup window's end, the table's TTL). */
      readonly duplicateUntil: number;
    };

/** One `done` record to write. */
export interface DoneMark {
  readonly key: string;
  /** The delivery (SQS message id) that ran the work. */
  readonly owner: string;
  readonly taskId: string;
  readonly windowSeconds: number;
}

/** BatchWriteItem takes at most 25 requests. */
export const MAX_BATCH_WRITE_ITEMS = 25;
/** BatchExecuteStatement takes at most 25 statements. */
export const MAX_BATCH_STATEMENTS = 25;

/** What the pipeline needs of a dedup store: a DedupStore, or a DedupBatcher in front of one. */
export type DedupPort = Pick<DedupStore, 'claim' | 'markDone' | 'release'>;

export interface DedupStoreOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** Epoch milliseconds; injectable for tests. Default `Date.now`. */
  readonly now?: () => number;
}

export interface ClaimRequest {
  /** Identifies this delivery: the SQS message id. */
  readonly owner: string;
  /** Which receive of the message this is (SQS `ApproximateReceiveCount`). */
  readonly attempt: number;
  readonly leaseMs: number;
  readonly taskId: string;
}

/** One claim of a `claimMany` call. */
export interface ClaimEntry {
  readonly key: string;
  readonly request: ClaimRequest;
}

/** DynamoDB refused one statement of a batch for a reason a retry cannot fix (validation, access, missing table). */
export class DedupStatementError extends Error {
  readonly code: string;
  override readonly name = 'DedupStatementError';
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

const PK = DEDUP_TABLE_SCHEMA.partitionKey;
const TTL = DEDUP_TABLE_SCHEMA.ttlAttribute;
const CLAIMED = 'claimed' as const;
const DONE = 'done' as const;
/** A claim can vanish between the failed write and the read (released); try the write again this often. */
const MAX_CLAIM_ROUNDS = 3;

const CLAIM_CONDITION =
  `attribute_not_exists(${PK})` +
  ' OR (#status = :claimed AND leaseUntil < :now)' +
  ' OR (#status = :claimed AND #owner = :owner AND attempt < :attempt)' +
  ` OR (#status = :done AND ${TTL} < :nowSeconds)`;

const toSeconds = (ms: number) => Math.ceil(ms / 1000);

/** The attributes of a claim record, in the order of the INSERT statement's parameters. */
const CLAIM_ATTRIBUTES = [PK, 'status', 'owner', 'attempt', 'taskId', 'leaseUntil', TTL] as const;
/** Statement errors that say the key exists: judged from the record, as a failed conditional PutItem is. */
const KEY_TAKEN = new Set(['DuplicateItem', 'ConditionalCheckFailed']);
/** Statement errors worth another try: the single claim's request carries the SDK's retries and backoff. */
const TRANSIENT = new Set([
  'RequestLimitExceeded',
  'ProvisionedThroughputExceeded',
  'ThrottlingError',
  'TransactionConflict',
  'InternalServerError',
]);
/** What a server without PartiQL answers (dynalite). */
const UNSUPPORTED_OPERATION = 'UnknownOperationException';

export class DedupStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly now: () => number;
  readonly #insertStatement: string;
  /** Turns false for good once the server answers that it has no PartiQL. */
  #partiql = true;

  constructor(options: DedupStoreOptions) {
    this.client = options.client;
    this.table = options.table;
    this.now = options.now ?? Date.now;
    // Table names allow only [A-Za-z0-9_.-]: quoting is enough.
    this.#insertStatement = `INSERT INTO "${this.table}" VALUE {${CLAIM_ATTRIBUTES.map((name) => `'${name}': ?`).join(', ')}}`;
  }

  /** How `claimMany` writes: 'batch' (PartiQL), or 'single' once the server turned PartiQL down. */
  get claimWrites(): 'batch' | 'single' {
    return this.#partiql ? 'batch' : 'single';
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    for (let round = 1; ; round++) {
      const now = this.now();
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: claimItem(key, request, now),
            ConditionExpression: CLAIM_CONDITION,
            ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
            ExpressionAttributeValues: {
              ':claimed': { S: CLAIMED },
              ':done': { S: DONE },
              ':owner': { S: request.owner },
              ':attempt': { N: String(request.attempt) },
              ':now': { N: String(now) },
              ':nowSeconds': { N: String(toSeconds(now)) },
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { kind: 'claimed' };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const existing = error.Item ?? (await this.read(key));
        const verdict = existing && this.interpret(existing, request, this.now());
        if (verdict) return verdict;
        if (round >= MAX_CLAIM_ROUNDS) throw error;
      }
    }
  }

  /**
   * Claims several distinct keys (at most MAX_BATCH_STATEMENTS) with one
   * request where the server allows it: one promise per entry, settling
   * with what `claim` would have returned or thrown for that key. A failure
   * of the whole request (network, throttling after the SDK's retries)
   * rejects every entry's promise.
   */
  claimMany(entries: readonly ClaimEntry[]): Array<Promise<ClaimResult>> {
    const claimAlone = (entry: ClaimEntry) => this.claim(entry.key, entry.request);
    // One key: the conditional PutItem is one request too, and returns the blocking record on AWS.
    if (entries.length <= 1 || !this.#partiql) return entries.map(claimAlone);
    const batch = this.#insertClaims(entries);
    // Only the records whose keys were taken without the record wait for this read; the others go on at once.
    let taken: Promise<Map<string, Record<string, AttributeValue>>> | undefined;
    const readTaken = () =>
      (taken ??= batch.then((responses) =>
        this.readMany(entries.filter((_, index) => takenWithoutRecord(responses?.[index]?.Error)).map((entry) => entry.key)),
      ));
    return entries.map(async (entry, index): Promise<ClaimResult> => {
      const responses = await batch;
      if (!responses) return claimAlone(entry);
      const error = responses[index]!.Error;
      if (!error) return { kind: 'claimed' };
      const code = error.Code ?? 'Unknown';
      if (KEY_TAKEN.has(code)) {
        const record = error.Item ?? (await readTaken()).get(entry.key);
        // Stale or gone since the INSERT: the conditional PutItem decides.
        return (record && this.interpret(record, entry.request, this.now())) ?? claimAlone(entry);
      }
      if (TRANSIENT.has(code)) return claimAlone(entry);
      throw new DedupStatementError(code, error.Message ?? 'statement failed');
    });
  }

  /** One conditional INSERT per entry in one request; undefined when the server has no PartiQL. */
  async #insertClaims(entries: readonly ClaimEntry[]): Promise<BatchStatementResponse[] | undefined> {
    const now = this.now();
    let responses: BatchStatementResponse[] | undefined;
    try {
      ({ Responses: responses } = await this.client.send(
        new BatchExecuteStatementCommand({
          Statements: entries.map(({ key, request }) => {
            const item = claimItem(key, request, now);
            return {
              Statement: this.#insertStatement,
              Parameters: CLAIM_ATTRIBUTES.map((name) => item[name]!),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            };
          }),
        }),
      ));
    } catch (error) {
      if (!(error instanceof Error && error.name === UNSUPPORTED_OPERATION)) throw error;
      this.#partiql = false;
      return undefined;
    }
    if (responses?.length !== entries.length) {
      throw new DedupStatementError('ResponseMismatch', `${entries.length} statements, ${responses?.length ?? 0} responses`);
    }
    return responses;
  }

  /** Marks the work done for `windowSeconds`. Unconditional: the work has run, whoever holds the lease now. */
  async markDone(key: string, owner: string, taskId: string, windowSeconds: number): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.table, Item: this.doneItem({ key, owner, taskId, windowSeconds }) }));
  }

  /**
   * Marks several keys done in one BatchWriteItem request (unconditional
   * puts, like markDone; at most MAX_BATCH_WRITE_ITEMS, distinct keys).
   * Returns the marks DynamoDB left unprocessed (throttling), for the caller to retry.
   */
  async markDoneMany(marks: readonly DoneMark[]): Promise<DoneMark[]> {
    const { UnprocessedItems } = await this.client.send(
      new BatchWriteItemCommand({
        RequestItems: { [this.table]: marks.map((mark) => ({ PutRequest: { Item: this.doneItem(mark) } })) },
      }),
    );
    const left = new Set((UnprocessedItems?.[this.table] ?? []).map((request) => request.PutRequest?.Item?.[PK]?.S));
    return marks.filter((mark) => left.has(mark.key));
  }

  private doneItem(mark: DoneMark): Record<string, AttributeValue> {
    const now = this.now();
    return {
      [PK]: { S: mark.key },
      status: { S: DONE },
      owner: { S: mark.owner },
      taskId: { S: mark.taskId },
      doneAt: { N: String(now) },
      [TTL]: { N: String(toSeconds(now) + mark.windowSeconds) },
    };
  }

  /** Gives up a claim so a redelivery can run the task; a no-op if someone else took it over. */
  async release(key: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: { [PK]: { S: key } },
          ConditionExpression: '#status = :claimed AND #owner = :owner',
          ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
          ExpressionAttributeValues: { ':claimed': { S: CLAIMED }, ':owner': { S: owner } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Consistent reads of several keys in one request; keys DynamoDB leaves unprocessed are simply absent. */
  private async readMany(keys: readonly string[]): Promise<Map<string, Record<string, AttributeValue>>> {
    const { Responses } = await this.client.send(
      new BatchGetItemCommand({
        RequestItems: { [this.table]: { Keys: keys.map((key) => ({ [PK]: { S: key } })), ConsistentRead: true } },
      }),
    );
    return new Map((Responses?.[this.table] ?? []).map((item) => [item[PK]?.S ?? '', item]));
  }

  /** The record under `key` as it is now (a consistent read); undefined when there is none. */
  async record(key: string): Promise<DedupRecord | undefined> {
    const item = await this.read(key);
    if (!item) return undefined;
    const common = { key, owner: item.owner?.S ?? '', taskId: item.taskId?.S ?? '' };
    if (item.status?.S === DONE) {
      const doneAt = item.doneAt?.N;
      return {
        status: DONE,
        ...common,
        ...(doneAt === undefined ? {} : { doneAt: Number(doneAt) }),
        duplicateUntil: Number(item[TTL]?.N ?? 0) * 1000,
      };
    }
    return { status: CLAIMED, ...common, attempt: Number(item.attempt?.N ?? 0), leaseUntil: Number(item.leaseUntil?.N ?? 0) };
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { [PK]: { S: key } }, ConsistentRead: true }));
    return result.Item;
  }

  /** What a blocking record means; undefined when it went stale since the write (try the write again). */
  private interpret(item: Record<string, AttributeValue>, request: ClaimRequest, now: number): ClaimResult | undefined {
    if (item.status?.S === DONE) {
      return Number(item[TTL]?.N ?? 0) >= toSeconds(now) ? { kind: 'duplicate' } : undefined;
    }
    const leaseUntil = Number(item.leaseUntil?.N ?? 0);
    if (leaseUntil < now) return undefined;
    const holder = item.owner?.S ?? '';
    if (holder !== request.owner) return { kind: 'coalesced', owner: holder };
    // An earlier receive of this message has ended (see the header); the same receive twice is an SQS duplicate.
    return Number(item.attempt?.N ?? Infinity) < request.attempt ? undefined : { kind: 'leaseHeld', leaseUntil };
  }
}

/** A statement that found its key taken and did not say by what: its key is read back. */
function takenWithoutRecord(error: BatchStatementError | undefined): boolean {
  return error !== undefined && KEY_TAKEN.has(error.Code ?? '') && error.Item === undefined;
}

function claimItem(key: string, request: ClaimRequest, now: number): Record<(typeof CLAIM_ATTRIBUTES)[number], AttributeValue> {
  const leaseUntil = now + request.leaseMs;
  return {
    [PK]: { S: key },
    status: { S: CLAIMED },
    owner: { S: request.owner },
    attempt: { N: String(request.attempt) },
    taskId: { S: request.taskId },
    leaseUntil: { N: String(leaseUntil) },
    // A claim left by a crash cleans itself up once its lease is long gone.
    [TTL]: { N: String(toSeconds(leaseUntil)) },
  };
}
