/**
 * Payload schemas of a validator other than zod, through the Standard Schema
 * interface only (`~standard`): a hand-written one stands in for valibot or
 * ArkType. The consumer's parse and the publisher use its output and its
 * issues (path segments as objects, as valibot gives them), await it when it
 * answers asynchronously, and let a schema's own exception through as an app
 * bug, not as invalid input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import type { StandardSchemaResult, StandardSchemaV1 } from '../../src/definition/standard-schema.ts';
import { InvalidTaskError } from '../../src/publisher/errors.ts';
import { Publisher } from '../../src/publisher/index.ts';
import { parseTask } from '../../src/runtime/envelope.ts';
import { ValidationError } from '../../src/runtime/errors.ts';
import { CREATED_AT, T0, envelopeFactory, fakeSqsClient } from './helpers/factories.ts';

const LANE = 'work';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tasklanes-work';

/** `{ n: number }` in, `{ n, doubled }` out; a failure names the path as a segment object, as valibot does. */
function doubling(answer: (result: StandardSchemaResult<{ n: number; doubled: number }>) => unknown = (result) => result) {
  return {
    '~standard': {
      version: 1,
      vendor: 'hand-written',
      validate: (value: unknown) => {
        const n = (value as { n?: unknown } | null)?.n;
        return answer(
          typeof n === 'number'
            ? { value: { n, doubled: n * 2 } }
            : { issues: [{ message: 'expected a number', path: [{ key: 'n' }] }, { message: 'no root issue path' }] },
        );
      },
      types: undefined as unknown as { input: { n: number }; output: { n: number; doubled: number } },
    },
  } as StandardSchemaV1<{ n: number }, { n: number; doubled: number }>;
}

const definition = createDefinition({
  heartbeats: false,
  lanes: [defineLane(LANE, 'the Standard Schema tests lane')],
  tasks: [
    defineTask({
      type: 'unit.doubled',
      lane: LANE,
      schema: doubling(),
      handler: (payload) => {
        // The handler's payload is the schema's output type.
        const doubled: number = payload.doubled;
        // @ts-expect-error: not in the schema's output
        return doubled + payload.tripled;
      },
    }),
    defineTask({ type: 'unit.later', lane: LANE, schema: doubling((result) => Promise.resolve(result)), handler: () => undefined }),
    defineTask({
      type: 'unit.throws',
      lane: LANE,
      schema: doubling(() => {
        throw new TypeError('schema bug');
      }),
      handler: () => undefined,
    }),
  ],
});

describe('the consumer parses with any Standard Schema', () => {
  test("a valid payload: the envelope carries the schema's output", async () => {
    // Act
    const { envelope, task } = await parseTask(envelopeFactory({ type: 'unit.doubled', payload: { n: 21 } }), definition);
    // Assess
    assert.equal(task.type, 'unit.doubled');
    assert.deepEqual(envelope, {
      v: 1,
      id: 'task-1',
      type: 'unit.doubled',
      tenant: 'acme',
      createdAt: CREATED_AT,
      payload: { n: 21, doubled: 42 },
    });
  });

  test('an invalid payload: a ValidationError naming each issue by its path', async () => {
    // Act
    const parsing = parseTask(envelopeFactory({ type: 'unit.doubled', payload: { n: 'x' } }), definition);
    // Assess
    await assert.rejects(parsing, (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.message, 'invalid payload for "unit.doubled": n: expected a number; (root): no root issue path');
      return true;
    });
  });

  test('a schema that answers asynchronously is awaited', async () => {
    // Act
    const { envelope } = await parseTask(envelopeFactory({ type: 'unit.later', payload: { n: 2 } }), definition);
    const invalid = parseTask(envelopeFactory({ type: 'unit.later', payload: {} }), definition);
    // Assess
    assert.deepEqual(envelope.payload, { n: 2, doubled: 4 });
    await assert.rejects(invalid, {
      name: 'ValidationError',
      message: 'invalid payload for "unit.later": n: expected a number; (root): no root issue path',
    });
  });

  test("a schema's own exception is an app bug, thrown as it is, not invalid input", async () => {
    // Act
    const parsing = parseTask(envelopeFactory({ type: 'unit.throws', payload: { n: 1 } }), definition);
    // Assess
    await assert.rejects(parsing, { name: 'TypeError', message: 'schema bug' });
  });
});

describe('the publisher validates with any Standard Schema', () => {
  const prepare = () => {
    const sqs = fakeSqsClient();
    const publisher = new Publisher({ definition, sqs: sqs.client, queueUrls: { [LANE]: QUEUE_URL }, now: () => T0 });
    return { sqs, publisher };
  };

  test('a valid payload is sent as given (the consumer applies the schema), also from an asynchronous schema', async () => {
    // Prepare
    const { sqs, publisher } = prepare();
    // Act
    await publisher.publish('unit.doubled', { n: 21 }, { tenant: 'acme', id: 'task-1' });
    await publisher.publish('unit.later', { n: 2 }, { tenant: 'acme', id: 'task-2' });
    // Assess
    assert.deepEqual(
      sqs.sent.map((command) => JSON.parse(command.input.MessageBody).payload),
      [{ n: 21 }, { n: 2 }],
    );
  });

  test('an invalid payload: InvalidTaskError with the issues, before any request; in a batch, reported by index', async () => {
    // Prepare
    const { sqs, publisher } = prepare();
    // Act
    const publishing = publisher.publish('unit.doubled', { n: 'x' }, { tenant: 'acme' });
    const batch = await publisher.publishBatch([
      { type: 'unit.later', payload: {}, options: { tenant: 'acme' } },
      { type: 'unit.doubled', payload: { n: 1 }, options: { tenant: 'acme', id: 'task-3' } },
    ]);
    // Assess
    await assert.rejects(publishing, (error: unknown) => {
      assert.ok(error instanceof InvalidTaskError);
      assert.equal(error.message, 'invalid payload for "unit.doubled": n: expected a number; (root): no root issue path');
      return true;
    });
    assert.deepEqual(
      batch.failed.map(({ index, code, message }) => ({ index, code, message })),
      [
        {
          index: 0,
          code: 'InvalidTaskError',
          message: 'invalid payload for "unit.later": n: expected a number; (root): no root issue path',
        },
      ],
    );
    // Only the valid entry goes out (the fake SQS answers without a Successful list, so none is reported successful).
    assert.deepEqual(
      sqs.sent.map((command) => [
        command.name,
        command.input.Entries.map((entry: { MessageBody: string }) => JSON.parse(entry.MessageBody).id),
      ]),
      [['SendMessageBatchCommand', ['task-3']]],
    );
  });
});
