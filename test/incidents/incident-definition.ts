/**
 * The lanes and task types the incident suite runs: the lanes the
 * post-mortems talk about (`notifications` apart from `bulk`, a lane for
 * slow exports, scheduled work beside normal load, a people-facing lane
 * whose consumer can die) with short timeouts, and handlers that record what
 * they executed and misbehave on request. Also the worker entry of the
 * isolated `bulk` lane, and what the consumer child process loads.
 */
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import { serveTaskWorker } from '../../src/runtime/task-worker.ts';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEDUP_TABLE_SCHEMA } from '../../src/definition/environment.ts';
import { createDynamoDbClient } from '../../src/ops/target/local-clients.ts';
import { busyWait, killOwnProcess, recorded, waitForGate } from '../support/task-behaviours.ts';

/**
 * Timeouts and attempts of the suite's lanes. Short, so that timeouts,
 * retries and redeliveries happen within a test; the harness derives each
 * lane's visibility timeout from them.
 */
export const INCIDENT_LIMITS = {
  /** notifications: inline, must never be lost. */
  notificationsTimeoutSeconds: 2,
  notificationsMaxReceiveCount: 4,
  /** bulk: worker threads, so a CPU-bound task is stopped hard at this timeout. */
  bulkTimeoutSeconds: 2,
  bulkMaxReceiveCount: 3,
  renderMaxAttempts: 2,
  /** exports: the slow "PDF" of incident 004 (docs/incidents.md#004-flood), held open by a gate for as long as a test needs. */
  exportsTimeoutSeconds: 30,
  /** critical: inline lane consumed by a child process that dies. */
  criticalTimeoutSeconds: 3,
  criticalMaxReceiveCount: 3,
  /** scheduled: the singleton report of incident 002 (docs/incidents.md#002-overlapping-schedules), beside normal load. */
  scheduledTimeoutSeconds: 30,
  /**
   * shared, shared-open: one tenant's flood in a lane it shares with others (docs/incidents.md#004-flood,
   * issue 14). Their timeout is far above the tasks' 400 ms: the local visibility timeout follows it (shortVisibilitySeconds), and
   * with 5 s (8 s visibility) batches that outlasted it under CPU starvation came back, so some of A's
   * tasks ran on attempt 2: a receive spent on a slow machine, not on waiting for the limit.
   */
  sharedTimeoutSeconds: 20,
  sharedMaxReceiveCount: 3,
  /**
   * Batches in flight in each shared lane: room for every tenant beside the flood's running and waiting
   * tasks. 004-tenant-flood.ts lifts the local poller's cap (LOCAL_CONCURRENCY_CAP, 4) to it: with 4, A's
   * runs and waits could hold every batch, leaving one batch at a time to work through A's backlog to B
   * and C, who then finished after 158 to 220 of A's tasks with eight CPU hogs on the machine (35 to 70 with 10).
   */
  sharedMaxConcurrency: 10,
  /** Runs of one tenant at once in the `shared` lane; `shared-open` has no limit. */
  sharedPerTenant: 5,
  /**
   * How long one shared task runs. B and C's place among A's finishes is the time the consumer takes to
   * work through A's backlog (CPU: slower on a loaded machine) times A's rate (5 / this, on the clock):
   * with 200 ms (and 4 batches) they finished after up to 160 of A's on a quiet machine, but after 260 and
   * 398 in suite runs with two CPU hogs. 400 ms halves A's rate, at about 30 s more per backend.
   */
  sharedTaskMs: 400,
} as const;

/** How often the poison task looks whether its batch-mates have finished. */
const MATES_POLL_MS = 20;

/** Where the poison task reads its batch-mates' dedup records (the test's local table). */
const dedupTableSchema = z.object({ endpoint: z.string(), region: z.string(), table: z.string() });

/** The status the dedup store writes once a task is done (src/runtime/dedup.ts). */
const DONE_STATUS = 'done';

async function allDone(dynamodb: DynamoDBClient, table: string, keys: readonly string[]): Promise<boolean> {
  for (const key of keys) {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { [DEDUP_TABLE_SCHEMA.partitionKey]: { S: key } }, ConsistentRead: true }),
    );
    if (Item?.status?.S !== DONE_STATUS) return false;
  }
  return true;
}

const lanes = [
  defineLane('notifications', 'Email and webhooks: never lost, never purged with bulk.', {
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: INCIDENT_LIMITS.notificationsTimeoutSeconds,
    maxReceiveCount: INCIDENT_LIMITS.notificationsMaxReceiveCount,
    maxConcurrency: 4,
  }),
  defineLane('bulk', 'Clean-ups and renders in worker threads: CPU-bound work is stopped hard.', {
    batchSize: 5,
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: INCIDENT_LIMITS.bulkTimeoutSeconds,
    maxReceiveCount: INCIDENT_LIMITS.bulkMaxReceiveCount,
    maxConcurrency: 2,
    isolation: 'worker',
  }),
  defineLane('exports', 'Slow exports that people request again while they run.', {
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: INCIDENT_LIMITS.exportsTimeoutSeconds,
    maxReceiveCount: 3,
    maxConcurrency: 4,
  }),
  defineLane('critical', 'Orders, consumed by a process that can die mid-batch.', {
    batchSize: 10,
    // A batching window, so that a published backlog arrives as one batch: the poison's batch-mates share its fate.
    maxBatchingWindowSeconds: 1,
    taskTimeoutSeconds: INCIDENT_LIMITS.criticalTimeoutSeconds,
    maxReceiveCount: INCIDENT_LIMITS.criticalMaxReceiveCount,
    maxConcurrency: 2,
  }),
  ...(['shared', 'shared-open'] as const).map((name) =>
    defineLane(name, 'Calls of every tenant through one lane; `shared` holds each tenant to a few at once.', {
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      taskTimeoutSeconds: INCIDENT_LIMITS.sharedTimeoutSeconds,
      maxReceiveCount: INCIDENT_LIMITS.sharedMaxReceiveCount,
      maxConcurrency: INCIDENT_LIMITS.sharedMaxConcurrency,
      ...(name === 'shared' ? { concurrency: { perTenant: INCIDENT_LIMITS.sharedPerTenant } } : {}),
    }),
  ),
  defineLane('scheduled', 'A periodic singleton beside normal load.', {
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: INCIDENT_LIMITS.scheduledTimeoutSeconds,
    maxReceiveCount: 3,
    maxConcurrency: 4,
  }),
];

const nothing = z.object({});
const gated = z.object({ gate: z.string().min(1) });

const taskTypes = [
  defineTask({ type: 'notify.email', lane: 'notifications', schema: z.object({ to: z.string().min(1) }), handler: recorded(() => 'sent') }),
  defineTask({
    type: 'notify.webhook',
    lane: 'notifications',
    schema: z.object({ url: z.string().min(1) }),
    handler: recorded(() => 'delivered'),
  }),
  defineTask({
    type: 'notify.flaky',
    lane: 'notifications',
    schema: z.object({ failTimes: z.number().int().min(0) }),
    handler: recorded((payload, context) => {
      if (context.attempt <= payload.failTimes) throw new Error(`flaky failure on attempt ${context.attempt}`);
    }),
  }),
  defineTask({ type: 'bulk.cleanup', lane: 'bulk', schema: nothing, handler: recorded(() => 'cleaned') }),
  defineTask({
    type: 'bulk.render',
    lane: 'bulk',
    schema: z.object({ spinMs: z.number().int().positive() }),
    // Retrying a pathological render only burns another timeout; one retry shows it is stopped each time.
    maxAttempts: INCIDENT_LIMITS.renderMaxAttempts,
    // The pathological PDF: CPU-bound, deaf to its signal.
    handler: recorded((payload) => busyWait(payload.spinMs)),
  }),
  defineTask({
    type: 'bulk.crash-worker',
    lane: 'bulk',
    schema: nothing,
    // Ends its worker thread (and only that) every time, like a native crash in a PDF library.
    handler: recorded(() => process.exit(1)),
  }),
  defineTask({
    type: 'export.report',
    lane: 'exports',
    schema: gated,
    handler: recorded((payload, context) => waitForGate(payload.gate, context)),
  }),
  defineTask({ type: 'order.place', lane: 'critical', schema: nothing, handler: recorded(() => 'placed') }),
  defineTask({
    type: 'order.gated',
    lane: 'critical',
    schema: gated,
    handler: recorded((payload, context) => waitForGate(payload.gate, context)),
  }),
  defineTask({
    type: 'order.poison',
    lane: 'critical',
    schema: z.object({ mates: z.array(z.string()), dedup: dedupTableSchema }),
    // Kills the whole process every time it runs; first it lets its batch-mates finish (marked done in
    // the dedup table), so their fate is deterministic rather than a race with the kill.
    handler: recorded(async (payload, context) => {
      const dynamodb = createDynamoDbClient(payload.dedup.endpoint, payload.dedup.region);
      while (!(await allDone(dynamodb, payload.dedup.table, payload.mates)) && !context.signal.aborted) {
        await sleep(MATES_POLL_MS, undefined, { signal: context.signal }).catch(() => undefined);
      }
      killOwnProcess();
    }),
  }),
  defineTask({ type: 'scheduled.work', lane: 'scheduled', schema: nothing, handler: recorded(() => 'done') }),
  ...(['shared', 'shared-open'] as const).map((lane) =>
    defineTask({ type: `${lane}.call`, lane, schema: nothing, handler: recorded(() => sleep(INCIDENT_LIMITS.sharedTaskMs)) }),
  ),
  defineTask({
    type: 'scheduled.report',
    lane: 'scheduled',
    schema: nothing,
    schedule: { expression: 'rate(1 minute)', tenant: 'ops' },
    // Runs far longer than its interval, as pretix's cron jobs did; the gate file's path is fixed per process.
    handler: recorded((_payload, context) => waitForGate(scheduledReportGate(), context)),
  }),
];

/** Environment variable naming the scheduled report's gate (ticks carry an empty payload). */
export const SCHEDULED_GATE_ENV = 'TASKLANES_TEST_SCHEDULED_GATE';

export class ScheduledGateNotSetError extends Error {
  override readonly name = 'ScheduledGateNotSetError';
}

function scheduledReportGate(): string {
  const gate = process.env[SCHEDULED_GATE_ENV];
  if (!gate) throw new ScheduledGateNotSetError(`${SCHEDULED_GATE_ENV} is not set: the 002 scenario sets it before ticking`);
  return gate;
}

export const incidentDefinition = createDefinition({ lanes, tasks: taskTypes, heartbeats: false });

/** This module, as the worker entry of the `bulk` lane and the definition module of the consumer child process. */
export const INCIDENT_MODULE = new URL(import.meta.url);

serveTaskWorker(incidentDefinition);
