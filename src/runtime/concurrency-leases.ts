/**
 * Concurrency slots as leases in DynamoDB (docs/design.md#6-limits): one
 * record per limit and key, whose `holders` map names each run holding a
 * slot (the SQS message id) with the end of its lease. Taking a slot is one
 * conditional UpdateItem (fewer holders than the limit, or this delivery
 * already holds one); giving it back is one UpdateItem that removes the
 * holder. A consumer that dies mid-run never gives its slot back: its lease
 * ends (the task's timeout plus the dedup lease margin, like a dedup claim),
 * and the next acquirer that finds the record full removes the expired
 * holders in the same conditional write that adds itself.
 *
 * On a failed write AWS returns the record (`ReturnValuesOnConditionCheckFailure`);
 * where a server does not (dynalite), one consistent read fetches it.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DEDUP_TABLE_SCHEMA } from '../definition/environment.ts';
import { LIMIT_RECORD_IDLE_SECONDS } from '../definition/task-limits.ts';

export type SlotResult =
  | { readonly kind: 'acquired' }
  /** Every slot is held by a live lease; the earliest ends at `earliestLeaseEnd` (epoch ms). */
  | { readonly kind: 'full'; readonly holders: number; readonly earliestLeaseEnd: number };

export interface SlotRequest {
  /** The run holding the slot: the SQS message id. */
  readonly owner: string;
  readonly limit: number;
  readonly leaseMs: number;
}

const PK = DEDUP_TABLE_SCHEMA.partitionKey;
const TTL = DEDUP_TABLE_SCHEMA.ttlAttribute;
/** Another writer can change the record between the failed write and the read; try this often, then report it full. */
const MAX_ROUNDS = 3;

const number = (value: number): AttributeValue => ({ N: String(value) });
const ttlOf = (leaseUntil: number) => number(Math.ceil(leaseUntil / 1000) + LIMIT_RECORD_IDLE_SECONDS);

export class ConcurrencyLeases {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly now: () => number;

  constructor(client: DynamoDBClient, table: string, now: () => number = Date.now) {
    this.client = client;
    this.table = table;
    this.now = now;
  }

  async acquire(key: string, request: SlotRequest): Promise<SlotResult> {
    let seen: Record<string, AttributeValue> | undefined;
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const now = this.now();
      const leaseUntil = now + request.leaseMs;
      const existing = seen ?? (round === 1 ? undefined : await this.read(key));
      seen = undefined;
      const holders = existing?.holders?.M;
      try {
        if (round > 1 && !holders) {
          // No record yet: the first holder creates it.
          await this.client.send(
            new PutItemCommand({
              TableName: this.table,
              Item: { [PK]: { S: key }, holders: { M: { [request.owner]: number(leaseUntil) } }, [TTL]: ttlOf(leaseUntil) },
              ConditionExpression: `attribute_not_exists(${PK})`,
            }),
          );
          return { kind: 'acquired' };
        }
        const expired = holders ? Object.entries(holders).filter(([, lease]) => Number(lease.N) < now) : [];
        if (holders && expired.length === 0 && !(request.owner in holders) && Object.keys(holders).length >= request.limit) {
          const leases = Object.values(holders).map((lease) => Number(lease.N));
          return { kind: 'full', holders: leases.length, earliestLeaseEnd: Math.min(...leases) };
        }
        await this.client.send(
          this.#takeSlot(key, request, leaseUntil, holders ? { expired, size: Object.keys(holders).length } : undefined),
        );
        return { kind: 'acquired' };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        seen = error.Item;
      }
    }
    const last = await this.read(key);
    const leases = Object.values(last?.holders?.M ?? {}).map((lease) => Number(lease.N));
    return { kind: 'full', holders: leases.length, earliestLeaseEnd: leases.length ? Math.min(...leases) : this.now() };
  }

  /**
   * The conditional write that adds this holder: blind on the first round (room left, or this delivery
   * holds a slot already); after a read, removing the expired holders it saw, only if they are still
   * the same and nobody joined since.
   */
  #takeSlot(
    key: string,
    request: SlotRequest,
    leaseUntil: number,
    seen: { readonly expired: ReadonlyArray<[string, AttributeValue]>; readonly size: number } | undefined,
  ): UpdateItemCommand {
    const names: Record<string, string> = { '#owner': request.owner, '#ttl': TTL };
    const values: Record<string, AttributeValue> = { ':lease': number(leaseUntil), ':ttl': ttlOf(leaseUntil) };
    let condition = '(attribute_exists(holders) AND size(holders) < :limit) OR attribute_exists(holders.#owner)';
    let remove = '';
    if (seen && seen.expired.length > 0) {
      const checks = seen.expired.map(([holder, lease], index) => {
        names[`#e${index}`] = holder;
        values[`:e${index}`] = lease;
        return `holders.#e${index} = :e${index}`;
      });
      condition = `size(holders) <= :size AND ${checks.join(' AND ')}`;
      values[':size'] = number(seen.size);
      remove = ` REMOVE ${seen.expired.map((_, index) => `holders.#e${index}`).join(', ')}`;
    } else {
      values[':limit'] = number(request.limit);
    }
    return new UpdateItemCommand({
      TableName: this.table,
      Key: { [PK]: { S: key } },
      UpdateExpression: `SET holders.#owner = :lease, #ttl = :ttl${remove}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  }

  /** Gives the slot back; a no-op when this delivery holds none (its lease ended and another run removed it). */
  async release(key: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { [PK]: { S: key } },
          UpdateExpression: 'REMOVE holders.#owner',
          ConditionExpression: 'attribute_exists(holders.#owner)',
          ExpressionAttributeNames: { '#owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { [PK]: { S: key } }, ConsistentRead: true }));
    return Item;
  }
}
