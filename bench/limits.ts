/**
 * What a limit costs per task (docs/design.md#6-limits), measured with the
 * bench's request counter on the consumer's clients: the same tasks drained
 * through a lane without a limit, with `perTenant` never reached (20
 * tenants), with `perTenant` reached by one tenant's backlog (deferrals),
 * and with a rate limit. Publishing is not counted. Run:
 * `node --conditions=tasklanes-source bench/limits.ts [dynalite|dynamodb-local]`
 * and it prints the rows of bench/RESULTS.md's "Limits" table.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineLane } from '../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../src/definition/registry.ts';
import { startLocalConsumers } from '../src/local/consumers.ts';
import { startLocalStack } from '../src/local/stack.ts';
import type { DynamoDbBackend } from '../src/local/servers.ts';
import { JsonLogger } from '../src/runtime/logger.ts';
import type { OutcomeEvent } from '../src/runtime/outcome.ts';
import { Publisher } from '../src/publisher/index.ts';
import { RequestCounter } from './request-counter.ts';

const TASKS = 200;
const TENANTS = 20;
const RUN_MS = 20;
const PER_TENANT = 5;
const POLL_MS = 50;

const run = (ms: number) => () => sleep(ms);
const lanes = ['plain', 'per-tenant', 'rated'].map((name) =>
  defineLane(name, `limits bench: ${name}`, {
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: 5,
    ...(name === 'per-tenant' ? { concurrency: { perTenant: PER_TENANT } } : {}),
  }),
);
const definition = createDefinition({
  heartbeats: false,
  lanes,
  tasks: [
    defineTask({ type: 'plain.work', lane: 'plain', schema: z.object({}), handler: run(RUN_MS) }),
    defineTask({ type: 'per-tenant.work', lane: 'per-tenant', schema: z.object({}), handler: run(RUN_MS) }),
    // Never reached: the bucket holds every task of a tenant.
    defineTask({
      type: 'rated.work',
      lane: 'rated',
      schema: z.object({}),
      rateLimit: { limit: 1000, perSeconds: 1 },
      handler: run(RUN_MS),
    }),
  ],
});

interface Case {
  readonly name: string;
  readonly type: string;
  readonly tenants: number;
}

const CASES: readonly Case[] = [
  { name: 'no limit', type: 'plain.work', tenants: TENANTS },
  { name: `perTenant ${PER_TENANT}, never reached (${TENANTS} tenants)`, type: 'per-tenant.work', tenants: TENANTS },
  { name: `perTenant ${PER_TENANT}, one tenant's backlog (deferrals)`, type: 'per-tenant.work', tenants: 1 },
  { name: 'rateLimit 1000/s, never reached', type: 'rated.work', tenants: TENANTS },
];

const backend = (process.argv[2] ?? 'dynamodb-local') as DynamoDbBackend;
const stack = await startLocalStack({
  definition,
  stateFile: false,
  servers: { dynamodb: backend },
  log: { warn: () => {}, error: () => {} },
});
const counter = new RequestCounter();
counter.attach(stack.clients.sqs, 'sqs');
counter.attach(stack.clients.dynamodb, 'dynamodb');
const outcomes: OutcomeEvent[] = [];
const consumers = startLocalConsumers(stack, { onOutcome: (event) => outcomes.push(event), logger: new JsonLogger({ level: 'SILENT' }) });
const publisher = new Publisher({ definition, sqs: stack.clients.sqs, queueUrls: stack.queueUrls });
const perTask = (value: number) => (value / TASKS).toFixed(2);
console.log('| case | SQS send | SQS receive | SQS delete | DynamoDB requests | WCU | RCU | deferrals | all requests |');
console.log('|---|---|---|---|---|---|---|---|---|');
try {
  for (const c of CASES) {
    const entries = Array.from({ length: TASKS }, (_, i) => ({
      type: c.type,
      payload: {},
      options: { tenant: `tenant-${i % c.tenants}` },
    }));
    const published = await publisher.publishBatch(entries);
    if (published.failed.length > 0) throw new Error(`${published.failed.length} tasks not published`);
    counter.reset();
    const mark = outcomes.length;
    while (outcomes.slice(mark).filter((event) => event.outcome === 'succeeded').length < TASKS) await sleep(POLL_MS);
    // The last batch's deletes go out after its outcomes.
    await sleep(POLL_MS * 10);
    const { requests, writeUnits, readUnits } = counter.snapshot();
    const of = (...names: string[]) => names.reduce((sum, name) => sum + (requests[name] ?? 0), 0);
    const dynamo = Object.entries(requests)
      .filter(([name]) => !/Message|Queue/.test(name))
      .reduce((sum, [, count]) => sum + count, 0);
    const all = Object.values(requests).reduce((sum, count) => sum + count, 0);
    const deferrals = outcomes.slice(mark).filter((event) => event.outcome === 'deferred').length;
    console.log(
      `| ${c.name} | ${perTask(of('SendMessage', 'SendMessageBatch'))} | ${perTask(of('ReceiveMessage'))} | ${perTask(of('DeleteMessage', 'DeleteMessageBatch'))} | ${perTask(dynamo)} | ${perTask(writeUnits)} | ${perTask(readUnits)} | ${perTask(deferrals)} | ${perTask(all)} |`,
    );
    console.error(c.name, JSON.stringify(requests));
  }
} finally {
  await consumers.stop();
  await stack.stop();
}
