/**
 * Sends a failed message to its lane's DLQ with the reason attached as
 * message attributes, so `dlq peek` shows why without searching logs. The
 * original body and the publisher's attributes are kept byte for byte so a
 * redrive replays exactly what the app published. A body near SQS's 1 MiB
 * limit can leave no room for the reason; then the reason attributes that do
 * not fit are left off the letter and all of them are kept, whole, in the
 * dedup table under the DLQ copy's message id (deadLetterRecordKey), where
 * `dlq peek` reads them. Each attribute is on the letter whole or not at
 * all, so a letter missing one is one whose record holds the full set.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { DEDUP_TABLE_SCHEMA, deadLetterRecordKey, DLQ_ATTRIBUTES } from '../definition/environment.ts';
import { MAX_MESSAGE_ATTRIBUTES, MAX_MESSAGE_BYTES, QUEUE_RETENTION_SECONDS } from '../definition/limits.ts';

/** A reason is for humans, so keep it short: within the room beside most bodies, and within a log line. */
const MAX_REASON_CHARS = 1_000;

export type DeadLetterReason = 'invalid' | 'permanent' | 'retriesExhausted' | 'wrongLane';

export interface DeadLetterRequest {
  readonly record: SQSRecord;
  readonly lane: string;
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly attempts: number;
  readonly at: number;
}

/** The reason attributes of one letter, by name (DLQ_ATTRIBUTES), as SendMessage takes them. */
export type ReasonAttributes = Readonly<Record<string, MessageAttributeValue>>;

/** Where the reason goes when it does not fit on the letter. */
export interface DeadLetterRecordStore {
  /** Keeps every reason attribute of the DLQ message `dlqMessageId` until `expiresAtSeconds` (epoch seconds). */
  keep(dlqMessageId: string, attributes: ReasonAttributes, expiresAtSeconds: number): Promise<void>;
}

export interface DeadLetterDestination {
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly records: DeadLetterRecordStore;
}

export interface DeadLetterSent {
  /** The DLQ copy's own message id, as SQS answered. */
  readonly dlqMessageId?: string;
  /** The reason attributes left off the letter (kept in the record store); empty when all fit. */
  readonly leftOff: readonly string[];
}

/** The letter is in the DLQ, but its reason record could not be written: only the log line has the reason. */
export class DeadLetterRecordError extends Error {
  readonly dlqMessageId: string | undefined;
  override readonly name = 'DeadLetterRecordError';
  constructor(dlqMessageId: string | undefined, options: { cause: unknown }) {
    const cause = options.cause instanceof Error ? `${options.cause.name}: ${options.cause.message}` : String(options.cause);
    super(
      `dead-lettered as DLQ message ${dlqMessageId ?? '(no id returned)'}, but its reason did not fit on it and could not be kept in the dedup table (${cause})`,
      options,
    );
    this.dlqMessageId = dlqMessageId;
  }
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** At most `max` UTF-16 units, never ending between the halves of a surrogate pair (SQS rejects an unpaired one). */
function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  const end = /[\uD800-\uDBFF]/.test(value[max - 1]!) ? max - 1 : max;
  return value.slice(0, end);
}

/** The attributes the publisher set, as SendMessage takes them: ours (an earlier dead-lettering, a deferral) stay behind. */
export function publisherAttributes(record: SQSRecord): Array<[string, MessageAttributeValue]> {
  const carried: Array<[string, MessageAttributeValue]> = [];
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (name.startsWith('tasklanes-') || value.stringValue === undefined) continue;
    carried.push([name, { DataType: value.dataType, StringValue: value.stringValue }]);
  }
  return carried;
}

export async function sendToDeadLetterQueue(destination: DeadLetterDestination, request: DeadLetterRequest): Promise<DeadLetterSent> {
  // Attributes the publisher set travel along.
  const carried = publisherAttributes(request.record);
  const reason: Array<[string, MessageAttributeValue]> = [
    [DLQ_ATTRIBUTES.reason, text(request.reason)],
    [DLQ_ATTRIBUTES.attempts, { DataType: 'Number', StringValue: String(request.attempts) }],
    [DLQ_ATTRIBUTES.messageId, text(request.record.messageId)],
    [DLQ_ATTRIBUTES.lane, text(request.lane)],
    [DLQ_ATTRIBUTES.failedAt, text(new Date(request.at).toISOString())],
    [DLQ_ATTRIBUTES.error, text(cut(request.error, MAX_REASON_CHARS) || '(no message)')],
  ];
  const { fitted, leftOff } = fitAttributes(Buffer.byteLength(request.record.body), carried, reason);
  const groupId = request.record.attributes.MessageGroupId;
  const { MessageId } = await destination.sqs.send(
    new SendMessageCommand({
      QueueUrl: destination.dlqUrl,
      MessageBody: request.record.body,
      ...(groupId ? { MessageGroupId: groupId } : {}),
      MessageAttributes: fitted,
    }),
  );
  if (leftOff.length === 0) return { dlqMessageId: MessageId, leftOff };
  try {
    if (!MessageId) throw new Error('SQS returned no MessageId to keep the reason under');
    await destination.records.keep(MessageId, Object.fromEntries(reason), Math.ceil(request.at / 1000) + QUEUE_RETENTION_SECONDS);
  } catch (error) {
    throw new DeadLetterRecordError(MessageId, { cause: error });
  }
  return { dlqMessageId: MessageId, leftOff };
}

/** SQS counts each attribute's name, type and value toward the message size limit. */
const attributeBytes = (name: string, value: MessageAttributeValue) =>
  Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');

/**
 * The publisher's attributes first: the original message fitted with them,
 * so they fit again beside the same body. Then each reason attribute, in
 * order, while it fits whole within SQS's size and count limits; a smaller
 * later one still goes in after a larger one did not. Otherwise SQS would
 * refuse the letter and the record would be retried until the redrive policy
 * dead-letters it without a reason.
 */
function fitAttributes(
  bodyBytes: number,
  carried: ReadonlyArray<[string, MessageAttributeValue]>,
  reason: ReadonlyArray<[string, MessageAttributeValue]>,
): { fitted: Record<string, MessageAttributeValue>; leftOff: string[] } {
  const fitted: Record<string, MessageAttributeValue> = Object.fromEntries(carried);
  let budget = MAX_MESSAGE_BYTES - bodyBytes - carried.reduce((sum, [name, value]) => sum + attributeBytes(name, value), 0);
  let count = carried.length;
  const leftOff: string[] = [];
  for (const [name, value] of reason) {
    const bytes = attributeBytes(name, value);
    if (bytes > budget || count >= MAX_MESSAGE_ATTRIBUTES) {
      leftOff.push(name);
      continue;
    }
    fitted[name] = value;
    budget -= bytes;
    count++;
  }
  return { fitted, leftOff };
}

/** The record store on the dedup table: one PutItem per letter whose reason did not fit. */
export function dedupTableRecordStore(client: DynamoDBClient, table: string): DeadLetterRecordStore {
  return {
    async keep(dlqMessageId, attributes, expiresAtSeconds) {
      const fields = Object.entries(attributes).map(([name, value]) => [name, { S: value.StringValue ?? '' }]);
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            [DEDUP_TABLE_SCHEMA.partitionKey]: { S: deadLetterRecordKey(dlqMessageId) },
            ...Object.fromEntries(fields),
            [DEDUP_TABLE_SCHEMA.ttlAttribute]: { N: String(expiresAtSeconds) },
          },
        }),
      );
    },
  };
}
