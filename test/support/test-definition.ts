/**
 * A definition of test lanes and task types whose handlers do what a test
 * asks (succeed, fail N times, fail permanently, hang, spin the CPU, kill
 * their process) and record what they executed. It is also a worker entry:
 * in a pool's worker thread it serves the same task types.
 */
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import { PermanentError } from '../../src/runtime/errors.ts';
import { serveTaskWorker } from '../../src/runtime/task-worker.ts';
import { busyWait, killOwnProcess, recorded, waitForGate } from './task-behaviours.ts';

/** Test lanes: short timeouts so timeouts and retries happen within a test. */
export const TEST_TIMEOUT_SECONDS = 1;
/**
 * Worker lanes also pay thread start-up (tsx compiles the task modules anew in
 * each thread): a few seconds on a loaded 2-core machine, so their timeout
 * leaves room for that, or batch-mates would time out with the spinning task.
 */
export const TEST_WORKER_TIMEOUT_SECONDS = 4;
export const TEST_MAX_RECEIVE_COUNT = 3;

const lanes = [
  defineLane('fast', 'inline test lane', {
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: TEST_TIMEOUT_SECONDS,
    maxReceiveCount: TEST_MAX_RECEIVE_COUNT,
    maxConcurrency: 2,
  }),
  defineLane('slow', 'inline test lane for long-running tasks', {
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: 30,
    maxReceiveCount: TEST_MAX_RECEIVE_COUNT,
    maxConcurrency: 2,
  }),
  defineLane('isolated', 'worker-thread test lane', {
    batchSize: 5,
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: TEST_WORKER_TIMEOUT_SECONDS,
    maxReceiveCount: TEST_MAX_RECEIVE_COUNT,
    maxConcurrency: 2,
    isolation: 'worker',
  }),
];

const taskTypes = [
  defineTask({ type: 'test.ok', lane: 'fast', schema: z.object({ n: z.number().int().optional() }), handler: recorded(() => 'ok') }),
  defineTask({
    type: 'test.flaky',
    lane: 'fast',
    schema: z.object({ failTimes: z.number().int().min(0) }),
    handler: recorded((payload, context) => {
      if (context.attempt <= payload.failTimes) throw new Error(`flaky failure on attempt ${context.attempt}`);
    }),
  }),
  defineTask({
    type: 'test.permanent',
    lane: 'fast',
    schema: z.object({}),
    handler: recorded(() => {
      throw new PermanentError('the subscriber rejected this task');
    }),
  }),
  defineTask({
    type: 'test.gated',
    lane: 'slow',
    schema: z.object({ gate: z.string().min(1) }),
    // Runs until the test opens its gate (creates the file): "still running" for as long as a test needs.
    handler: recorded((payload, context) => waitForGate(payload.gate, context)),
  }),
  defineTask({
    type: 'test.hang',
    lane: 'fast',
    schema: z.object({}),
    // Ignores its signal: only the timeout can end it.
    handler: recorded(() => new Promise(() => {})),
  }),
  defineTask({
    type: 'test.kill-process',
    lane: 'fast',
    schema: z.object({ unlessAttemptAbove: z.number().int() }),
    handler: recorded((payload, context) => {
      if (context.attempt <= payload.unlessAttemptAbove) killOwnProcess();
    }),
  }),
  defineTask({ type: 'test.isolated-ok', lane: 'isolated', schema: z.object({}), handler: recorded(() => 'ok') }),
  defineTask({
    type: 'test.spin',
    lane: 'isolated',
    schema: z.object({ ms: z.number().int().positive() }),
    handler: recorded((payload) => busyWait(payload.ms)),
  }),
];

export const testDefinition = createDefinition({ lanes, tasks: taskTypes, heartbeats: false });

/** This module, as the worker entry for the `isolated` lane. */
export const TEST_WORKER_ENTRY = new URL(import.meta.url);

serveTaskWorker(testDefinition);
