import type { Message } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IncompleteMessageError, lambdaContext, messagesToRetain, toSqsRecord, WHOLE_BATCH } from '../../src/local/lambda-shapes.ts';

const source = { queueArn: 'arn:aws:sqs:us-east-1:123456789012:tasklanes-default', region: 'us-east-1' };

const message: Message = {
  MessageId: 'm-1',
  ReceiptHandle: 'rh-1',
  Body: '{}',
  MD5OfBody: '99914b932bd37a50b983c5e7c90ae93b',
  MD5OfMessageAttributes: 'abc',
  Attributes: {
    ApproximateReceiveCount: '2',
    SentTimestamp: '1',
    SenderId: 'S',
    ApproximateFirstReceiveTimestamp: '2',
    MessageGroupId: 'acme',
  },
  MessageAttributes: {
    text: { DataType: 'String', StringValue: 'x' },
    blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
  },
};

describe('toSqsRecord', () => {
  test('builds the record Lambda delivers', () => {
    assert.deepEqual(toSqsRecord(message, source), {
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: '{}',
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1',
        SenderId: 'S',
        ApproximateFirstReceiveTimestamp: '2',
        MessageGroupId: 'acme',
      },
      messageAttributes: {
        text: { dataType: 'String', stringValue: 'x', stringListValues: [], binaryListValues: [] },
        blob: { dataType: 'Binary', binaryValue: 'AQID', stringListValues: [], binaryListValues: [] },
      },
      md5OfBody: '99914b932bd37a50b983c5e7c90ae93b',
      md5OfMessageAttributes: 'abc',
      eventSource: 'aws:sqs',
      eventSourceARN: source.queueArn,
      awsRegion: 'us-east-1',
    });
  });

  test('rejects a message received without system attributes', () => {
    assert.throws(() => toSqsRecord({ ...message, Attributes: undefined }, source), IncompleteMessageError);
  });
});

describe('lambdaContext', () => {
  test('counts down to the deadline and names the function', () => {
    const context = lambdaContext({ functionName: 'f', queueArn: source.queueArn, deadline: Date.now() + 60_000, memoryLimitInMB: 512 });
    assert.equal(context.invokedFunctionArn, 'arn:aws:lambda:us-east-1:123456789012:function:f');
    assert.ok(context.getRemainingTimeInMillis() > 0 && context.getRemainingTimeInMillis() <= 60_000);
    assert.equal(context.memoryLimitInMB, '512');
    assert.throws(() => context.succeed('x'), { name: 'UnsupportedContextMethodError' });
  });
});

describe('messagesToRetain (ReportBatchItemFailures rules)', () => {
  const ids = new Set(['a', 'b']);
  test('complete success', () => {
    for (const response of [undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }]) {
      assert.deepEqual(messagesToRetain(response, ids), new Set(), JSON.stringify(response));
    }
  });
  test('partial failure', () => {
    assert.deepEqual(messagesToRetain({ batchItemFailures: [{ itemIdentifier: 'b' }] }, ids), new Set(['b']));
  });
  test('whole batch fails on an invalid response', () => {
    for (const response of [
      'ok',
      { batchItemFailures: 'b' },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ id: 'b' }] },
      { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] },
    ]) {
      assert.equal(messagesToRetain(response, ids), WHOLE_BATCH, JSON.stringify(response));
    }
  });
});
