/**
 * Reads back the reason records the consumer keeps in the dedup table for
 * dead letters whose reason attributes did not fit beside their bodies
 * (src/runtime/dead-letter.ts), by the DLQ copy's message id. Both targets
 * read them the same way; only the client and the table differ.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetItemCommand, type BatchGetItemCommandOutput, type DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { DEDUP_TABLE_SCHEMA, deadLetterRecordKey, DLQ_ATTRIBUTES } from '../../definition/environment.ts';
import { DeadLetterRecordsError } from '../errors.ts';

/** The reason attributes of one letter under their DLQ_ATTRIBUTES names, as on a letter they fit on. */
export type DeadLetterRecord = Readonly<Partial<Record<(typeof DLQ_ATTRIBUTES)[keyof typeof DLQ_ATTRIBUTES], string>>>;

/** BatchGetItem takes at most 100 keys; unprocessed ones (throttling) are asked for again this often, backing off from 50 ms. */
const MAX_BATCH_GET_KEYS = 100;
const MAX_ROUNDS = 5;
const FIRST_BACKOFF_MS = 50;

const PK = DEDUP_TABLE_SCHEMA.partitionKey;
const NAMES = Object.values(DLQ_ATTRIBUTES);

export async function readDeadLetterRecords(
  client: DynamoDBClient,
  table: string,
  dlqMessageIds: readonly string[],
): Promise<Map<string, DeadLetterRecord>> {
  const found = new Map<string, DeadLetterRecord>();
  const byKey = new Map(dlqMessageIds.map((id) => [deadLetterRecordKey(id), id]));
  const keys = [...byKey.keys()];
  for (let start = 0; start < keys.length; start += MAX_BATCH_GET_KEYS) {
    let request: KeysAndAttributes | undefined = {
      Keys: keys.slice(start, start + MAX_BATCH_GET_KEYS).map((key) => ({ [PK]: { S: key } })),
    };
    for (let round = 0; request?.Keys?.length; round++) {
      if (round === MAX_ROUNDS)
        throw new DeadLetterRecordsError(
          `the dedup table ${table} left ${request.Keys.length} dead-letter reason record(s) unread after ${MAX_ROUNDS} requests (throttled): try again`,
        );
      if (round > 0) await sleep(FIRST_BACKOFF_MS * 2 ** (round - 1));
      const answer: BatchGetItemCommandOutput = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: request } }));
      const { Responses, UnprocessedKeys } = answer;
      for (const item of Responses?.[table] ?? []) {
        const id = byKey.get(item[PK]?.S ?? '');
        if (id === undefined) continue;
        found.set(id, Object.fromEntries(NAMES.flatMap((name) => (item[name]?.S === undefined ? [] : [[name, item[name].S]]))));
      }
      request = UnprocessedKeys?.[table];
    }
  }
  return found;
}
