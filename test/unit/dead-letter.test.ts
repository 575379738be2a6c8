/**
 * The dead letter as SQS receives it: the body byte for byte, the reason
 * attributes, the publisher's attributes carried along, and (fitAttributes)
 * what is left out or cut when the body leaves little room under SQS's
 * 1 MiB message limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sendToDeadLetterQueue, type DeadLetterRequest } from '../../src/runtime/dead-letter.ts';
import { T0, fakeSqsClient, sqsRecordFactory } from './helpers/factories.ts';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tasklanes-work-dlq';
const MESSAGE_LIMIT_BYTES = 1_048_576;

/** Attribute bytes SQS counts (name + type + value) for the four reason attributes below: 31 + 25 + 24 + 49. */
const REASON_ATTRIBUTE_BYTES = 129;
/** `tasklanes-error` + `String`, before the value. */
const ERROR_ATTRIBUTE_OVERHEAD = 21;

const REASON_ATTRIBUTES = {
  'tasklanes-reason': { DataType: 'String', StringValue: 'permanent' },
  'tasklanes-attempts': { DataType: 'Number', StringValue: '1' },
  'tasklanes-lane': { DataType: 'String', StringValue: 'work' },
  'tasklanes-failed-at': { DataType: 'String', StringValue: '2024-05-01T12:00:00.000Z' },
} as const;

function request(fields: Partial<DeadLetterRequest> = {}): DeadLetterRequest {
  return { record: sqsRecordFactory('{"v":1}'), lane: 'work', reason: 'permanent', error: 'rejected', attempts: 1, at: T0, ...fields };
}

/** A body that leaves exactly `budget` bytes for attributes. */
const bodyLeaving = (budget: number) => 'x'.repeat(MESSAGE_LIMIT_BYTES - budget);

async function send(fields: Partial<DeadLetterRequest> = {}) {
  const sqs = fakeSqsClient();
  await sendToDeadLetterQueue(sqs.client, DLQ_URL, request(fields));
  assert.equal(sqs.sent.length, 1);
  return sqs.sent[0]!;
}

test('one SendMessage to the DLQ: the body unchanged, the reason, attempts, lane, time and error as attributes', async () => {
  // Prepare
  const body = '{"v":1,"note":"é 😀"}';
  // Act
  const sent = await send({ record: sqsRecordFactory(body) });
  // Assess
  assert.deepEqual(sent, {
    name: 'SendMessageCommand',
    input: {
      QueueUrl: DLQ_URL,
      MessageBody: body,
      MessageAttributes: { ...REASON_ATTRIBUTES, 'tasklanes-error': { DataType: 'String', StringValue: 'rejected' } },
    },
  });
});

test('the publisher\'s string attributes travel along; an earlier dead-lettering\'s and binary ones do not', async () => {
  // Prepare
  const record = sqsRecordFactory('{}', {
    messageAttributes: {
      traceparent: { dataType: 'String', stringValue: '00-abc-def-01' },
      priority: { dataType: 'Number', stringValue: '5' },
      'tasklanes-reason': { dataType: 'String', stringValue: 'retriesExhausted' },
      'tasklanes-error': { dataType: 'String', stringValue: 'an older reason' },
      thumbnail: { dataType: 'Binary', binaryValue: 'AAEC' },
    },
  });
  // Act
  const sent = await send({ record });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes, {
    ...REASON_ATTRIBUTES,
    traceparent: { DataType: 'String', StringValue: '00-abc-def-01' },
    priority: { DataType: 'Number', StringValue: '5' },
    'tasklanes-error': { DataType: 'String', StringValue: 'rejected' },
  });
});

test('a hand-built record without messageAttributes carries only the reason attributes', async () => {
  // Prepare
  const record = { ...sqsRecordFactory('{}'), messageAttributes: undefined as never };
  // Act
  const sent = await send({ record });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes, {
    ...REASON_ATTRIBUTES,
    'tasklanes-error': { DataType: 'String', StringValue: 'rejected' },
  });
});

test('a FIFO record keeps its message group', async () => {
  // Prepare
  const record = sqsRecordFactory('{}', { attributes: { MessageGroupId: 'tenant-acme' } });
  // Act
  const sent = await send({ record });
  // Assess
  assert.equal(sent.input.MessageGroupId, 'tenant-acme');
});

test('a standard record sends no message group', async () => {
  // Act
  const sent = await send();
  // Assess
  assert.equal('MessageGroupId' in sent.input, false);
});

test('the error text is cut to 1000 characters; an empty one reads "(no message)"', async () => {
  // Act
  const long = await send({ error: 'e'.repeat(1_500) });
  const empty = await send({ error: '' });
  // Assess
  assert.deepEqual(long.input.MessageAttributes['tasklanes-error'], { DataType: 'String', StringValue: 'e'.repeat(1_000) });
  assert.deepEqual(empty.input.MessageAttributes['tasklanes-error'], { DataType: 'String', StringValue: '(no message)' });
});

test('fitAttributes: a body near the limit keeps every reason attribute and as much of the error as fits', async () => {
  // Prepare: room for the reason attributes and 5 bytes of error text
  const record = sqsRecordFactory(bodyLeaving(REASON_ATTRIBUTE_BYTES + ERROR_ATTRIBUTE_OVERHEAD + 5));
  // Act
  const sent = await send({ record, error: 'abcdefghij' });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes, { ...REASON_ATTRIBUTES, 'tasklanes-error': { DataType: 'String', StringValue: 'abcde' } });
});

test('fitAttributes: an attribute that does not fit is skipped, later ones still go in; the error left out without room', async () => {
  // Prepare: 27 bytes: not the reason (31), then attempts (25), then nothing else fits
  const record = sqsRecordFactory(bodyLeaving(27));
  // Act
  const sent = await send({ record, error: 'abcdefghij' });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes, { 'tasklanes-attempts': { DataType: 'Number', StringValue: '1' } });
});

test('fitAttributes: the cut never falls between the halves of a surrogate pair', async () => {
  // Prepare: 5 bytes of error text: "ab" plus a lone high surrogate (3 bytes as UTF-8) would fit, "ab😀" (6 bytes) would not
  const record = sqsRecordFactory(bodyLeaving(REASON_ATTRIBUTE_BYTES + ERROR_ATTRIBUTE_OVERHEAD + 5));
  // Act
  const sent = await send({ record, error: 'ab😀cd' });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes['tasklanes-error'], { DataType: 'String', StringValue: 'ab' });
});

test('SQS refusing the letter rejects, so the pipeline can fall back to a redelivery', async () => {
  // Prepare
  const sqs = fakeSqsClient();
  sqs.failWith(new Error('socket hang up'));
  // Act
  const sending = sendToDeadLetterQueue(sqs.client, DLQ_URL, request());
  // Assess
  await assert.rejects(sending, { message: 'socket hang up' });
});
