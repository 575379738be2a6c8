/**
 * Limit options (docs/design.md#6-limits) as the registry resolves and
 * refuses them: the lane's concurrency, then the type's, then its rate, per
 * tenant unless a key says otherwise; LimitOptionError names the owner and
 * the option for what cannot be enforced. And a consumer of a lane with
 * limits needs its own queue's URL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, DefinitionError, defineTask, LimitOptionError } from '../../src/definition/registry.ts';
import type { ConcurrencyLimit, RateLimit } from '../../src/definition/types.ts';
import { ConfigurationError, createLaneConsumer } from '../../src/runtime/consumer.ts';

const envelope = {
  v: 1 as const,
  id: 't-1',
  type: 'hook.call',
  tenant: 'acme',
  createdAt: '2024-05-01T12:00:00.000Z',
  payload: { host: 'h.example' },
};

function definitionWith(lane: { concurrency?: ConcurrencyLimit }, task: { concurrency?: ConcurrencyLimit; rateLimit?: RateLimit } = {}) {
  return createDefinition({
    heartbeats: false,
    lanes: [defineLane('hooks', 'test lane', lane), defineLane('plain', 'no limits')],
    tasks: [
      defineTask({
        type: 'hook.call',
        lane: 'hooks',
        schema: z.object({ host: z.string() }),
        handler: () => undefined,
        ...(task as Record<string, unknown>),
      }),
      defineTask({ type: 'plain.work', lane: 'plain', schema: z.object({}), handler: () => undefined }),
    ],
  });
}

test("limits resolve in order: the lane's concurrency, the type's, its rate; per tenant unless keyed", () => {
  const definition = definitionWith(
    { concurrency: { perTenant: 5 } },
    { concurrency: { key: (payload: unknown) => (payload as { host: string }).host, limit: 2 }, rateLimit: { limit: 10, perSeconds: 1 } },
  );
  const limits = definition.findTask('hook.call')!.limits;
  assert.deepEqual(
    limits.map((limit) => ({ ...limit, key: limit.key(envelope.payload, envelope) })),
    [
      { kind: 'concurrency', scope: 'lane:hooks', key: 'acme', limit: 5 },
      { kind: 'concurrency', scope: 'type:hook.call', key: 'h.example', limit: 2 },
      { kind: 'rate', scope: 'type:hook.call', key: 'acme', limit: 10, perSeconds: 1 },
    ],
  );
  assert.deepEqual(definition.findTask('plain.work')!.limits, [], 'a type without limits has none: no extra requests');
});

test('LimitOptionError names the owner and the option of a limit that cannot be enforced', () => {
  const refusals: Array<[() => unknown, string, 'concurrency' | 'rateLimit']> = [
    [() => definitionWith({ concurrency: { perTenant: 0 } }), 'lane "hooks"', 'concurrency'],
    [() => definitionWith({ concurrency: { perTenant: 2.5 } }), 'lane "hooks"', 'concurrency'],
    [() => definitionWith({ concurrency: { perTenant: 1001 } }), 'lane "hooks"', 'concurrency'],
    [() => definitionWith({ concurrency: { perTenant: 2, limit: 3 } as unknown as ConcurrencyLimit }), 'lane "hooks"', 'concurrency'],
    [
      () => definitionWith({}, { concurrency: { key: 'host', limit: 3 } as unknown as ConcurrencyLimit }),
      'task type "hook.call"',
      'concurrency',
    ],
    [() => definitionWith({}, { rateLimit: { limit: 0, perSeconds: 1 } }), 'task type "hook.call"', 'rateLimit'],
    [() => definitionWith({}, { rateLimit: { limit: 10, perSeconds: 0 } }), 'task type "hook.call"', 'rateLimit'],
    [() => definitionWith({}, { rateLimit: { limit: 10, perSeconds: 901 } }), 'task type "hook.call"', 'rateLimit'],
  ];
  for (const [define, owner, option] of refusals) {
    assert.throws(define, (error) => error instanceof LimitOptionError && error.owner === owner && error.option === option);
  }
  assert.ok(new LimitOptionError('lane "x"', 'concurrency', 'why') instanceof DefinitionError);
  // At the bounds, accepted.
  definitionWith({ concurrency: { perTenant: 1000 } }, { rateLimit: { limit: 1, perSeconds: 900 } });
});

test("a consumer of a lane with limits needs its own queue's URL; one without does not", () => {
  const definition = definitionWith({ concurrency: { perTenant: 5 } });
  const common = {
    definition,
    dlqUrl: 'https://sqs.local/dlq',
    dedupTable: 'dedup',
    sqs: new SQSClient({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
  };
  assert.throws(() => createLaneConsumer({ ...common, lane: 'hooks' }), ConfigurationError);
  createLaneConsumer({ ...common, lane: 'hooks', queueUrl: 'https://sqs.local/hooks' });
  createLaneConsumer({ ...common, lane: 'plain' });
});
