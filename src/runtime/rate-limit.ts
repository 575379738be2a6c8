/**
 * Rate limits in DynamoDB (docs/design.md#6-limits) as GCRA, the generic
 * cell rate algorithm: a token bucket of `limit` tokens refilled evenly over
 * `perSeconds`, kept as one number per limit and key, the theoretical
 * arrival time `tat` (epoch ms). A run is allowed while `tat` is at most
 * `now + perSeconds - interval` (interval = perSeconds / limit) and moves
 * `tat` on by one interval; from idle (`tat` in the past) it starts at
 * `now + interval`, so `limit` runs may start at once, then one per interval.
 *
 * Each branch is one conditional UpdateItem whose condition is the branch's
 * own precondition, so concurrent consumers never lose an update: "busy"
 * adds the interval to whatever `tat` is (`SET tat = tat + :interval`), and
 * "idle" only writes over a `tat` in the past. Which branch to try first is
 * guessed from the last `tat` this process saw for the key; a wrong guess
 * costs one failed write, which returns the record on AWS (one read on
 * dynalite). A refusal says when the next run would be allowed.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DEDUP_TABLE_SCHEMA } from '../definition/environment.ts';
import { LIMIT_RECORD_IDLE_SECONDS } from '../definition/task-limits.ts';

export type RateResult =
  | { readonly kind: 'allowed' }
  /** Over the rate: the next run is allowed `retryAfterMs` from now. */
  | { readonly kind: 'limited'; readonly retryAfterMs: number };

export interface RateRequest {
  readonly limit: number;
  readonly perSeconds: number;
}

const PK = DEDUP_TABLE_SCHEMA.partitionKey;
const TTL = DEDUP_TABLE_SCHEMA.ttlAttribute;
/** Both branches can lose to a concurrent writer; after this many writes the run is refused for one interval. */
const MAX_WRITES = 4;
/** At most this many keys' last `tat` are remembered for the branch guess. */
const MAX_REMEMBERED_KEYS = 1000;

const number = (value: number): AttributeValue => ({ N: String(value) });

export class RateLimiter {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly now: () => number;
  /** The last `tat` seen per key: only a guess of which branch to try, never a decision. */
  readonly #lastTat = new Map<string, number>();

  constructor(client: DynamoDBClient, table: string, now: () => number = Date.now) {
    this.client = client;
    this.table = table;
    this.now = now;
  }

  async take(key: string, request: RateRequest): Promise<RateResult> {
    const windowMs = request.perSeconds * 1000;
    const interval = windowMs / request.limit;
    let tat = this.#lastTat.get(key);
    for (let write = 1; write <= MAX_WRITES; write++) {
      const now = this.now();
      const latest = now + windowMs - interval;
      if (tat !== undefined && tat > latest) return this.#limited(key, tat, tat - latest);
      const busy = tat !== undefined && tat > now;
      try {
        const { Attributes } = await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { [PK]: { S: key } },
            UpdateExpression: busy ? 'SET tat = tat + :interval, #ttl = :ttl' : 'SET tat = :start, #ttl = :ttl',
            ConditionExpression: busy ? 'tat > :now AND tat <= :latest' : 'attribute_not_exists(tat) OR tat <= :now',
            ExpressionAttributeNames: { '#ttl': TTL },
            ExpressionAttributeValues: {
              ':now': number(now),
              ':ttl': number(Math.ceil((now + windowMs) / 1000) + LIMIT_RECORD_IDLE_SECONDS),
              ...(busy ? { ':interval': number(interval), ':latest': number(latest) } : { ':start': number(now + interval) }),
            },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        this.#remember(key, Number(Attributes?.tat?.N ?? now + interval));
        return { kind: 'allowed' };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const item = error.Item ?? (await this.read(key));
        tat = item?.tat?.N === undefined ? undefined : Number(item.tat.N);
      }
    }
    return { kind: 'limited', retryAfterMs: interval };
  }

  #limited(key: string, tat: number, retryAfterMs: number): RateResult {
    this.#remember(key, tat);
    return { kind: 'limited', retryAfterMs };
  }

  #remember(key: string, tat: number): void {
    this.#lastTat.delete(key);
    if (this.#lastTat.size >= MAX_REMEMBERED_KEYS) this.#lastTat.delete(this.#lastTat.keys().next().value!);
    this.#lastTat.set(key, tat);
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { [PK]: { S: key } }, ConsistentRead: true }));
    return Item;
  }
}
