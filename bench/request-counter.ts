/**
 * Counts every AWS request a client sends, by command, with an SDK
 * middleware: the exact number a run would be billed for. On DynamoDB
 * clients it also asks each item request for `ReturnConsumedCapacity:
 * TOTAL` and adds up the units the server reports; where a request fails
 * without reporting them (a failed conditional write is still billed),
 * units are computed from item sizes (capacity.ts) and counted apart, so
 * the report can say how many were estimated.
 */
import { ConditionalCheckFailedException, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { readUnits, writeUnits } from './capacity.ts';

export interface RequestCounts {
  /** Requests by command name, e.g. `SendMessageBatch`, `PutItem`. */
  readonly requests: Readonly<Record<string, number>>;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** Of the units above, those computed from item sizes because the server reported none. */
  readonly estimatedUnits: number;
}

/** Item-level DynamoDB commands that accept ReturnConsumedCapacity. */
const CAPACITY_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'GetItemCommand',
  'BatchWriteItemCommand',
  'BatchGetItemCommand',
  'BatchExecuteStatementCommand',
  'TransactWriteItemsCommand',
  'QueryCommand',
]);
const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

interface ConsumedCapacityLike {
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
}

/** A request whose units can neither be read nor computed: the cost figure would be wrong, so the run stops. */
export class UncountedCapacityError extends Error {
  override readonly name = 'UncountedCapacityError';
}

export class RequestCounter {
  #requests = new Map<string, number>();
  #writeUnits = 0;
  #readUnits = 0;
  #estimatedUnits = 0;

  /** Counts the client's requests from now on. */
  attach(client: SQSClient | DynamoDBClient, service: 'sqs' | 'dynamodb'): void {
    (client as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        // initialize step: before serialization, so the capacity request goes on the wire.
        const command = context.commandName ?? 'unknown';
        const name = command.replace(/Command$/, '');
        this.#requests.set(name, (this.#requests.get(name) ?? 0) + 1);
        const input = args.input as Record<string, unknown>;
        if (service !== 'dynamodb' || !CAPACITY_COMMANDS.has(command)) return next(args);
        input.ReturnConsumedCapacity = 'TOTAL';
        try {
          const result = await next(args);
          const output = result.output as {
            ConsumedCapacity?: ConsumedCapacityLike | ConsumedCapacityLike[];
            Item?: Record<string, AttributeValue>;
            Responses?: Record<string, Array<Record<string, AttributeValue>>>;
          };
          if (output.ConsumedCapacity) this.#addReported(command, output.ConsumedCapacity);
          else if (command === 'BatchGetItemCommand') this.#addEstimatedReads(input, output.Responses);
          else this.#addEstimated(command, input, output.Item);
          return result;
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) this.#addEstimated(command, input, error.Item);
          throw error;
        }
      },
      { step: 'initialize', name: 'benchRequestCounter' },
    );
  }

  reset(): void {
    this.#requests = new Map();
    this.#writeUnits = 0;
    this.#readUnits = 0;
    this.#estimatedUnits = 0;
  }

  snapshot(): RequestCounts {
    return {
      requests: Object.fromEntries(this.#requests),
      writeUnits: this.#writeUnits,
      readUnits: this.#readUnits,
      estimatedUnits: this.#estimatedUnits,
    };
  }

  /** A request the server reported no units for: AWS's rules on the item sizes. */
  #addEstimated(command: string, input: Record<string, unknown>, existing: Record<string, AttributeValue> | undefined): void {
    if (command === 'BatchExecuteStatementCommand') {
      // Every statement is a write billed on its own, whether it wrote or failed its condition.
      const units = (input.Statements as Array<{ Statement: string; Parameters?: AttributeValue[] }>).reduce(
        (sum, statement) => sum + writeUnits(insertedItem(statement.Statement, statement.Parameters ?? [])),
        0,
      );
      this.#writeUnits += units;
      this.#estimatedUnits += units;
    } else if (WRITE_COMMANDS.has(command)) {
      const units = writeUnits(input.Item as Record<string, AttributeValue> | undefined, existing);
      this.#writeUnits += units;
      this.#estimatedUnits += units;
    } else if (command === 'GetItemCommand') {
      const units = readUnits(existing, input.ConsistentRead === true);
      this.#readUnits += units;
      this.#estimatedUnits += units;
    } else {
      throw new UncountedCapacityError(`${command} reported no consumed capacity and has no size rule here`);
    }
  }

  /** A BatchGetItem the server reported no units for: each item returned, read as the request asked. */
  #addEstimatedReads(input: Record<string, unknown>, responses: Record<string, Array<Record<string, AttributeValue>>> | undefined): void {
    const requested = input.RequestItems as Record<string, { ConsistentRead?: boolean }>;
    for (const [table, items] of Object.entries(responses ?? {})) {
      const units = items.reduce((sum, item) => sum + readUnits(item, requested[table]?.ConsistentRead === true), 0);
      this.#readUnits += units;
      this.#estimatedUnits += units;
    }
  }

  #addReported(command: string, consumed: ConsumedCapacityLike | ConsumedCapacityLike[] | undefined): void {
    for (const entry of [consumed ?? []].flat()) {
      const total = entry.CapacityUnits ?? 0;
      const write =
        entry.WriteCapacityUnits ??
        (WRITE_COMMANDS.has(command) || command.startsWith('BatchWrite') || command.startsWith('Transact') ? total : 0);
      const read = entry.ReadCapacityUnits ?? total - write;
      this.#writeUnits += write;
      this.#readUnits += read;
    }
  }
}

/**
 * The item a PartiQL `INSERT ... VALUE {'name': ?, ...}` writes, from its
 * parameters. Any other statement is outside what this bench sends.
 */
function insertedItem(statement: string, parameters: readonly AttributeValue[]): Record<string, AttributeValue> {
  const names = [...statement.matchAll(/'([^']+)'\s*:\s*\?/g)].map((match) => match[1]!);
  if (!/^INSERT\b/i.test(statement) || names.length !== parameters.length) {
    throw new UncountedCapacityError(`no size rule here for the statement ${statement}`);
  }
  return Object.fromEntries(names.map((name, index) => [name, parameters[index]!]));
}
