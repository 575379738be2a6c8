/**
 * The dead letter as SQS receives it: the body byte for byte, the
 * publisher's attributes carried along, the reason attributes (each whole or
 * not at all), and, when they do not all fit under SQS's 1 MiB and
 * 10-attribute limits, every one of them kept in the record store under the
 * DLQ copy's message id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dedupTableRecordStore, sendToDeadLetterQueue, type DeadLetterRequest } from '../../src/runtime/dead-letter.ts';
import { T0, FakeDeadLetterRecords, fakeDynamoDbClient, fakeSqsClient, sqsRecordFactory } from './helpers/factories.ts';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tasklanes-work-dlq';
const MESSAGE_LIMIT_BYTES = 1_048_576;
/** T0 in epoch seconds plus the DLQ's 14 days of retention. */
const RECORD_EXPIRES_AT = 1_714_564_800 + 1_209_600;

/**
 * Bytes SQS counts (name + type + value) per reason attribute below:
 * reason 31, attempts 25, message id 31, lane 24, failed at 49; error 21 + its text.
 */
const BYTES = { reason: 31, attempts: 25, messageId: 31, lane: 24, failedAt: 49, errorOverhead: 21 } as const;

const ATTRIBUTES = {
  reason: ['tasklanes-reason', { DataType: 'String', StringValue: 'permanent' }],
  attempts: ['tasklanes-attempts', { DataType: 'Number', StringValue: '1' }],
  messageId: ['tasklanes-message-id', { DataType: 'String', StringValue: 'msg-1' }],
  lane: ['tasklanes-lane', { DataType: 'String', StringValue: 'work' }],
  failedAt: ['tasklanes-failed-at', { DataType: 'String', StringValue: '2024-05-01T12:00:00.000Z' }],
  error: ['tasklanes-error', { DataType: 'String', StringValue: 'rejected' }],
} as const;

/** Every reason attribute of the default request, as SendMessage carries them. */
const ALL_REASON_ATTRIBUTES = Object.fromEntries(Object.values(ATTRIBUTES));

function request(fields: Partial<DeadLetterRequest> = {}): DeadLetterRequest {
  return { record: sqsRecordFactory('{"v":1}'), lane: 'work', reason: 'permanent', error: 'rejected', attempts: 1, at: T0, ...fields };
}

/** A body that leaves exactly `budget` bytes for attributes. */
const bodyLeaving = (budget: number) => 'x'.repeat(MESSAGE_LIMIT_BYTES - budget);

async function send(fields: Partial<DeadLetterRequest> = {}) {
  const sqs = fakeSqsClient();
  const records = new FakeDeadLetterRecords();
  const result = await sendToDeadLetterQueue({ sqs: sqs.client, dlqUrl: DLQ_URL, records }, request(fields));
  assert.equal(sqs.sent.length, 1);
  return { sent: sqs.sent[0]!, kept: records.kept, result };
}

test('one SendMessage to the DLQ: the body unchanged, the reason, attempts, original message id, lane, time and error as attributes', async () => {
  // Prepare
  const body = '{"v":1,"note":"é 😀"}';
  // Act
  const { sent, kept, result } = await send({ record: sqsRecordFactory(body) });
  // Assess
  assert.deepEqual(sent, {
    name: 'SendMessageCommand',
    input: { QueueUrl: DLQ_URL, MessageBody: body, MessageAttributes: ALL_REASON_ATTRIBUTES },
  });
  assert.deepEqual(kept, [], 'nothing to keep elsewhere: it all fits');
  assert.deepEqual(result, { dlqMessageId: 'dlq-msg-1', leftOff: [] });
});

test('a body that is not JSON keeps the SQS message id of the delivery', async () => {
  // Prepare
  const record = { ...sqsRecordFactory('not json at all'), messageId: '4b1e8f0a-0000-4000-8000-00000000beef' };
  // Act
  const { sent } = await send({ record, reason: 'invalid', error: 'body is not valid JSON' });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes['tasklanes-message-id'], {
    DataType: 'String',
    StringValue: '4b1e8f0a-0000-4000-8000-00000000beef',
  });
});

test("the publisher's string attributes travel along; an earlier dead-lettering's and binary ones do not", async () => {
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
  const { sent } = await send({ record });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes, {
    traceparent: { DataType: 'String', StringValue: '00-abc-def-01' },
    priority: { DataType: 'Number', StringValue: '5' },
    ...ALL_REASON_ATTRIBUTES,
  });
});

test('a hand-built record without messageAttributes carries only the reason attributes', async () => {
  // Prepare
  const record = { ...sqsRecordFactory('{}'), messageAttributes: undefined as never };
  // Act
  const { sent } = await send({ record });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes, ALL_REASON_ATTRIBUTES);
});

test('a FIFO record keeps its message group', async () => {
  // Prepare
  const record = sqsRecordFactory('{}', { attributes: { MessageGroupId: 'tenant-acme' } });
  // Act
  const { sent } = await send({ record });
  // Assess
  assert.equal(sent.input.MessageGroupId, 'tenant-acme');
});

test('a standard record sends no message group', async () => {
  // Act
  const { sent } = await send();
  // Assess
  assert.equal('MessageGroupId' in sent.input, false);
});

test('the error text is cut to 1000 characters, never between the halves of a surrogate pair; an empty one reads "(no message)"', async () => {
  // Act
  const long = await send({ error: 'e'.repeat(1_500) });
  const pair = await send({ error: `${'e'.repeat(999)}😀 and more` });
  const empty = await send({ error: '' });
  // Assess
  assert.deepEqual(long.sent.input.MessageAttributes['tasklanes-error'], { DataType: 'String', StringValue: 'e'.repeat(1_000) });
  assert.deepEqual(pair.sent.input.MessageAttributes['tasklanes-error'], { DataType: 'String', StringValue: 'e'.repeat(999) });
  assert.deepEqual(empty.sent.input.MessageAttributes['tasklanes-error'], { DataType: 'String', StringValue: '(no message)' });
});

test('a body of exactly 1 MiB: no attribute fits, so the letter goes bare and every reason attribute is kept under its DLQ message id', async () => {
  // Prepare
  const body = bodyLeaving(0);
  // Act
  const { sent, kept, result } = await send({ record: sqsRecordFactory(body), reason: 'invalid', error: 'invalid envelope: payload' });
  // Assess
  assert.equal(sent.input.MessageBody, body, 'the body byte for byte');
  assert.deepEqual(sent.input.MessageAttributes, {});
  const reason = {
    ...ALL_REASON_ATTRIBUTES,
    'tasklanes-reason': { DataType: 'String', StringValue: 'invalid' },
    'tasklanes-error': { DataType: 'String', StringValue: 'invalid envelope: payload' },
  };
  assert.deepEqual(kept, [{ dlqMessageId: 'dlq-msg-1', attributes: reason, expiresAtSeconds: RECORD_EXPIRES_AT }]);
  assert.deepEqual(result, {
    dlqMessageId: 'dlq-msg-1',
    leftOff: ['tasklanes-reason', 'tasklanes-attempts', 'tasklanes-message-id', 'tasklanes-lane', 'tasklanes-failed-at', 'tasklanes-error'],
  });
});

test('attributes go on in order while they fit whole; a smaller later one still fits after a larger one did not; the record holds all', async () => {
  // Prepare: room for the reason (31) and attempts (25) with 4 bytes to spare; then the lane (24) alone would not fit either
  const record = sqsRecordFactory(bodyLeaving(BYTES.reason + BYTES.attempts + 4));
  // Act
  const { sent, kept, result } = await send({ record });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes, Object.fromEntries([ATTRIBUTES.reason, ATTRIBUTES.attempts]));
  assert.deepEqual(result.leftOff, ['tasklanes-message-id', 'tasklanes-lane', 'tasklanes-failed-at', 'tasklanes-error']);
  assert.deepEqual(kept, [{ dlqMessageId: 'dlq-msg-1', attributes: ALL_REASON_ATTRIBUTES, expiresAtSeconds: RECORD_EXPIRES_AT }]);
});

test('the error is never cut to fit: without room for all of it, it is left off the letter and kept whole', async () => {
  // Prepare: room for every attribute but the error, plus 5 bytes of error text ("rejected" is 8)
  const record = sqsRecordFactory(
    bodyLeaving(BYTES.reason + BYTES.attempts + BYTES.messageId + BYTES.lane + BYTES.failedAt + BYTES.errorOverhead + 5),
  );
  // Act
  const { sent, kept } = await send({ record });
  // Assess
  assert.deepEqual(
    sent.input.MessageAttributes,
    Object.fromEntries([ATTRIBUTES.reason, ATTRIBUTES.attempts, ATTRIBUTES.messageId, ATTRIBUTES.lane, ATTRIBUTES.failedAt]),
  );
  assert.deepEqual(kept[0]?.attributes['tasklanes-error'], { DataType: 'String', StringValue: 'rejected' });
});

test("the publisher's attributes come first, so a redrive replays them; SQS's 10-attribute limit leaves room for two reason attributes beside eight", async () => {
  // Prepare
  const eight = Object.fromEntries(
    Array.from({ length: 8 }, (_, index) => [`app-${index}`, { dataType: 'String', stringValue: String(index) }]),
  );
  // Act
  const { sent, kept } = await send({ record: sqsRecordFactory('{}', { messageAttributes: eight }) });
  // Assess
  assert.deepEqual(sent.input.MessageAttributes, {
    ...Object.fromEntries(Array.from({ length: 8 }, (_, index) => [`app-${index}`, { DataType: 'String', StringValue: String(index) }])),
    ...Object.fromEntries([ATTRIBUTES.reason, ATTRIBUTES.attempts]),
  });
  assert.deepEqual(
    kept.map((record) => Object.keys(record.attributes).length),
    [6],
  );
});

test('the record store failing after the send: DeadLetterRecordError naming the DLQ message, which was sent once', async () => {
  // Prepare
  const sqs = fakeSqsClient();
  const records = new FakeDeadLetterRecords(new Error('ProvisionedThroughputExceededException'));
  // Act
  const sending = sendToDeadLetterQueue(
    { sqs: sqs.client, dlqUrl: DLQ_URL, records },
    request({ record: sqsRecordFactory(bodyLeaving(0)) }),
  );
  // Assess
  await assert.rejects(sending, {
    name: 'DeadLetterRecordError',
    dlqMessageId: 'dlq-msg-1',
    message:
      'dead-lettered as DLQ message dlq-msg-1, but its reason did not fit on it and could not be kept in the dedup table (Error: ProvisionedThroughputExceededException)',
  });
  assert.equal(sqs.sent.length, 1);
});

test("SQS refusing the letter rejects with SQS's error, so the pipeline can fall back to a redelivery; nothing is kept", async () => {
  // Prepare
  const sqs = fakeSqsClient();
  const records = new FakeDeadLetterRecords();
  sqs.failWith(new Error('socket hang up'));
  // Act
  const sending = sendToDeadLetterQueue(
    { sqs: sqs.client, dlqUrl: DLQ_URL, records },
    request({ record: sqsRecordFactory(bodyLeaving(0)) }),
  );
  // Assess
  await assert.rejects(sending, { name: 'Error', message: 'socket hang up' });
  assert.deepEqual(records.kept, []);
});

test('the dedup table record: one PutItem under #dead-letter#<DLQ message id>, the attributes as strings, the TTL', async () => {
  // Prepare
  const dynamodb = fakeDynamoDbClient(() => ({}));
  const store = dedupTableRecordStore(dynamodb.client, 'tasklanes-dedup');
  // Act
  await store.keep('dlq-msg-1', Object.fromEntries([ATTRIBUTES.reason, ATTRIBUTES.attempts]), RECORD_EXPIRES_AT);
  // Assess
  assert.deepEqual(dynamodb.sent, [
    {
      name: 'PutItemCommand',
      input: {
        TableName: 'tasklanes-dedup',
        Item: {
          pk: { S: '#dead-letter#dlq-msg-1' },
          'tasklanes-reason': { S: 'permanent' },
          'tasklanes-attempts': { S: '1' },
          expiresAt: { N: '1715774400' },
        },
      },
    },
  ]);
});
