/**
 * What the Lambda SQS event source mapping hands a function and how it reads
 * the answer, as pure functions: SQS messages to an `SQSEvent` record, a
 * Lambda-like `Context`, and the `ReportBatchItemFailures` rules that decide
 * which messages get deleted.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { Context, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

/** A received message lacks what every Lambda SQS record carries. */
export class IncompleteMessageError extends Error {
  override readonly name = 'IncompleteMessageError';
}

/** A deprecated callback-style context method was called; handlers must return a promise. */
export class UnsupportedContextMethodError extends Error {
  override readonly name = 'UnsupportedContextMethodError';
}

const REQUIRED_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp'] as const;

export interface EventSource {
  readonly queueArn: string;
  readonly region: string;
}

export function toSqsRecord(message: Message, source: EventSource): SQSRecord {
  const { MessageId, ReceiptHandle, Body, MD5OfBody } = message;
  if (!MessageId || !ReceiptHandle || Body === undefined || !MD5OfBody) {
    throw new IncompleteMessageError(`message ${MessageId ?? '(no id)'} lacks an id, receipt handle, body or body MD5`);
  }
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  const missing = REQUIRED_ATTRIBUTES.filter((name) => attributes[name] === undefined);
  if (missing.length > 0) {
    throw new IncompleteMessageError(`message ${MessageId} was received without system attributes ${missing.join(', ')}`);
  }
  const record: SQSRecord = {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: Body,
    attributes: attributes as unknown as SQSRecordAttributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, toLambdaAttribute(value)]),
    ),
    md5OfBody: MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/** Lambda's camel-cased attribute, binary as base64, with the (always empty) list fields it includes. */
function toLambdaAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  const attribute: SQSMessageAttribute = { dataType: value.DataType ?? 'String', stringListValues: [], binaryListValues: [] };
  if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
  if (value.BinaryValue !== undefined) attribute.binaryValue = Buffer.from(value.BinaryValue).toString('base64');
  return attribute;
}

export interface InvocationSettings {
  readonly functionName: string;
  /** ARN of the lane's queue; the function ARN borrows its region and account. */
  readonly queueArn: string;
  /** Epoch ms at which the invocation times out. */
  readonly deadline: number;
  /** Memory size reported to the handler. */
  readonly memoryLimitInMB: number;
}

export function lambdaContext(settings: InvocationSettings): Context {
  const [, partition, , region, account] = settings.queueArn.split(':');
  const unsupported = (method: string) => () => {
    throw new UnsupportedContextMethodError(`context.${method}() is not supported by the local runner: return a promise`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: settings.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:${partition}:lambda:${region}:${account}:function:${settings.functionName}`,
    memoryLimitInMB: String(settings.memoryLimitInMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${settings.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, settings.deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

/** Every record of the batch is redelivered. */
export const WHOLE_BATCH = 'wholeBatch';

/**
 * Message ids to leave in the queue after an invocation returned `response`,
 * following Lambda's ReportBatchItemFailures rules: no response, a null or
 * empty `batchItemFailures` means complete success; a failure entry without a
 * valid `itemIdentifier` of this batch, or a response that is not an object,
 * fails the whole batch.
 */
export function messagesToRetain(response: unknown, batchMessageIds: ReadonlySet<string>): ReadonlySet<string> | typeof WHOLE_BATCH {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') return WHOLE_BATCH;
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return WHOLE_BATCH;
  const retained = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !batchMessageIds.has(id)) return WHOLE_BATCH;
    retained.add(id);
  }
  return retained;
}
