/**
 * The dedup store: one DynamoDB record per `tenant#type#dedupKey`, claimed
 * with a single conditional write (DESIGN.md, step 3).
 *
 * - `claimed` records carry a lease; a claim whose lease has passed can be
 *   taken over (its owner crashed).
 * - `done` records suppress repeats until `expiresAt` (the table's TTL
 *   attribute). The condition also checks `expiresAt` because TTL deletion
 *   lags by up to two days on AWS and does not exist on dynalite.
 *
 * On a failed claim, AWS returns the blocking record with the error
 * (`ReturnValuesOnConditionCheckFailure`); where a server does not
 * (dynalite), one consistent read fetches it.
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
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

/** What the pipeline needs of a dedup store: a DedupStore, or a DoneMarkBatcher in front of one. */
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
  readonly leaseMs: number;
  readonly taskId: string;
}

const PK = DEDUP_TABLE_SCHEMA.partitionKey;
const TTL = DEDUP_TABLE_SCHEMA.ttlAttribute;
const CLAIMED = 'claimed';
const DONE = 'done';
/** A claim can vanish between the failed write and the read (released); try the write again this often. */
const MAX_CLAIM_ROUNDS = 3;

const CLAIM_CONDITION =
  `attribute_not_exists(${PK})` +
  ' OR (#status = :claimed AND leaseUntil < :now)' +
  ` OR (#status = :done AND ${TTL} < :nowSeconds)`;

const toSeconds = (ms: number) => Math.ceil(ms / 1000);

export class DedupStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly now: () => number;

  constructor(options: DedupStoreOptions) {
    this.client = options.client;
    this.table = options.table;
    this.now = options.now ?? Date.now;
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    for (let round = 1; ; round++) {
      const now = this.now();
      const leaseUntil = now + request.leaseMs;
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              [PK]: { S: key },
              status: { S: CLAIMED },
              owner: { S: request.owner },
              taskId: { S: request.taskId },
              leaseUntil: { N: String(leaseUntil) },
              // A claim left by a crash cleans itself up once its lease is long gone.
              [TTL]: { N: String(toSeconds(leaseUntil)) },
            },
            ConditionExpression: CLAIM_CONDITION,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':claimed': { S: CLAIMED },
              ':done': { S: DONE },
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
        const verdict = existing && this.interpret(existing, request.owner, this.now());
        if (verdict) return verdict;
        if (round >= MAX_CLAIM_ROUNDS) throw error;
      }
    }
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
    return {
      [PK]: { S: mark.key },
      status: { S: DONE },
      owner: { S: mark.owner },
      taskId: { S: mark.taskId },
      [TTL]: { N: String(toSeconds(this.now()) + mark.windowSeconds) },
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

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { [PK]: { S: key } }, ConsistentRead: true }),
    );
    return result.Item;
  }

  /** What a blocking record means; undefined when it went stale since the write (try the write again). */
  private interpret(item: Record<string, AttributeValue>, owner: string, now: number): ClaimResult | undefined {
    if (item.status?.S === DONE) {
      return Number(item[TTL]?.N ?? 0) >= toSeconds(now) ? { kind: 'duplicate' } : undefined;
    }
    const leaseUntil = Number(item.leaseUntil?.N ?? 0);
    if (leaseUntil < now) return undefined;
    const holder = item.owner?.S ?? '';
    return holder === owner ? { kind: 'leaseHeld', leaseUntil } : { kind: 'coalesced', owner: holder };
  }
}
