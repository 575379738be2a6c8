/**
 * The worker pool with fake threads (no thread is started): the request a
 * task becomes, how each reply or thread failure comes back to the pipeline
 * as an error class, which threads are kept for the next task and which are
 * terminated and replaced, the ready handshake and the start-up bound, the
 * size limit, the timeouts on mocked timers, and close.
 * Real threads run in test/runtime/pipeline.test.ts (the `isolated` lane).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PermanentError, TaskTimeoutError, WorkerCrashedError } from '../../src/runtime/errors.ts';
import type { TaskRun } from '../../src/runtime/runner.ts';
import type { WorkerReply } from '../../src/runtime/task-worker.ts';
import { WorkerPool, type WorkerPoolOptions } from '../../src/runtime/worker-pool.ts';
import { LANE, unitDefinition } from './helpers/definition.ts';
import { CREATED_AT, fakeThreads, type FakeThread } from './helpers/factories.ts';

const ENVELOPE = { v: 1, id: 'task-1', type: 'unit.work', tenant: 'acme', createdAt: CREATED_AT, payload: { n: 1 } } as const;
const RUN: TaskRun = { task: unitDefinition.findTask('unit.work')!, envelope: ENVELOPE, lane: LANE, attempt: 1 };

/** Lets pending promise callbacks run (the pool posts a request after an await). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** How the promise settles; taking it at once also handles a rejection that comes before the test looks. */
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (value) => `resolved ${String(value)}`,
    (error: Error) => `rejected ${error.name}: ${error.message}`,
  );
/** 'pending', or how the promise settled. */
const state = (promise: Promise<unknown>) => Promise.race([outcome(promise), nextTurn().then(() => 'pending')]);

interface Prepare extends Pick<WorkerPoolOptions, 'replyGraceMs' | 'startTimeoutMs'> {
  readonly size?: number;
  /** 'manual': the test says when each thread is ready. Default 'auto'. */
  readonly ready?: 'auto' | 'manual';
}

function prepare({ size = 2, ready, ...timings }: Prepare = {}) {
  const threads = fakeThreads(ready);
  const pool = new WorkerPool({ entry: 'file:///worker-entry.js', size, startThread: threads.startThread, ...timings });
  return { pool, threads: threads.started };
}

const reply = (thread: FakeThread, message: WorkerReply) => thread.emit('message', message);
const listeners = (thread: FakeThread) => ['message', 'error', 'exit'].map((event) => thread.listenerCount(event));

describe('a task and its reply', () => {
  test('a task goes to the warm thread as one request; the thread holds the process open only while it runs', async () => {
    // Prepare
    const { pool, threads } = prepare();
    // Act
    const running = pool.run(RUN);
    await nextTurn();
    const whileRunning = { referenced: threads[0]!.referenced, listeners: listeners(threads[0]!) };
    reply(threads[0]!, { id: 1, ok: true, result: 'rendered' });
    // Assess
    assert.equal(await running, 'rendered');
    assert.equal(threads.length, 1);
    assert.deepEqual(threads[0]!.workerData, { tasklanesTaskWorker: true });
    assert.deepEqual(threads[0]!.requests, [{ id: 1, type: 'unit.work', envelope: ENVELOPE, lane: 'work', attempt: 1 }]);
    assert.deepEqual(whileRunning, { referenced: true, listeners: [1, 1, 1] });
    assert.equal(threads[0]!.referenced, false);
    assert.deepEqual(listeners(threads[0]!), [0, 0, 0]);
  });

  test("a reply to another request id is not this task's", async () => {
    // Prepare
    const { pool, threads } = prepare();
    const running = pool.run(RUN);
    await nextTurn();
    // Act
    reply(threads[0]!, { id: 7, ok: true, result: 'stale' });
    const afterOther = await state(running);
    reply(threads[0]!, { id: 1, ok: true, result: 'mine' });
    // Assess
    assert.equal(afterOther, 'pending');
    assert.equal(await state(running), 'resolved mine');
  });

  test("after a success or a handler's own error the thread serves the next task (request ids 2, 3)", async () => {
    // Prepare
    const { pool, threads } = prepare();
    // Act
    const first = pool.run(RUN);
    await nextTurn();
    reply(threads[0]!, { id: 1, ok: true, result: 'ok' });
    await first;
    const second = pool.run(RUN);
    await nextTurn();
    reply(threads[0]!, { id: 2, ok: false, kind: 'retryable', name: 'Error', message: 'smtp 451' });
    const secondState = await state(second);
    const third = pool.run({ ...RUN, attempt: 2 });
    await nextTurn();
    reply(threads[0]!, { id: 3, ok: true, result: 'ok' });
    // Assess
    assert.equal(secondState, 'rejected Error: Error: smtp 451');
    assert.equal(await third, 'ok');
    assert.equal(threads.length, 1);
    assert.deepEqual(
      threads[0]!.requests.map((request) => [request.id, request.attempt]),
      [
        [1, 1],
        [2, 1],
        [3, 2],
      ],
    );
    assert.equal(threads[0]!.terminations, 0);
  });

  test('a permanent failure in the thread comes back as a PermanentError; the thread is kept', async () => {
    // Prepare
    const { pool, threads } = prepare();
    const running = pool.run(RUN);
    await nextTurn();
    // Act
    reply(threads[0]!, { id: 1, ok: false, kind: 'permanent', name: 'PermanentError', message: 'the subscriber rejected this task' });
    // Assess
    await assert.rejects(
      running,
      (error: unknown) => error instanceof PermanentError && error.message === 'PermanentError: the subscriber rejected this task',
    );
    assert.equal(threads[0]!.terminations, 0);
  });
});

describe('threads that cannot be kept', () => {
  const cases: Array<[string, (thread: FakeThread) => void, new (...args: never[]) => Error, string]> = [
    [
      'the handler timed out in the thread',
      (t) => reply(t, { id: 1, ok: false, kind: 'timeout', name: 'TaskTimeoutError', message: 'x' }),
      TaskTimeoutError,
      'task did not finish within 5s',
    ],
    [
      'the thread failed',
      (t) => t.emit('error', new Error('Worker terminated due to reaching memory limit')),
      WorkerCrashedError,
      'worker thread failed: Worker terminated due to reaching memory limit',
    ],
    ['the thread exited', (t) => t.emit('exit', 134), WorkerCrashedError, 'worker thread exited with code 134'],
  ];
  for (const [name, fail, errorClass, message] of cases) {
    test(`${name}: ${errorClass.name}; the thread is terminated and replaced at once, and the next task gets the replacement`, async () => {
      // Prepare
      const { pool, threads } = prepare();
      const running = pool.run(RUN);
      await nextTurn();
      // Act
      fail(threads[0]!);
      const failed = await running.then(
        () => undefined,
        (error: unknown) => error,
      );
      const startedBeforeNextTask = threads.length;
      await nextTurn();
      const replacement = { referenced: threads[1]!.referenced, requests: threads[1]!.requests.length };
      const next = pool.run(RUN);
      await nextTurn();
      // Assess
      assert.ok(failed instanceof errorClass, String(failed));
      assert.equal((failed as Error).message, message);
      assert.equal(threads[0]!.terminations, 1);
      assert.deepEqual(listeners(threads[0]!), [0, 0, 0]);
      assert.equal(startedBeforeNextTask, 2);
      assert.deepEqual(replacement, { referenced: false, requests: 0 }, 'ready and idle: it holds nothing open');
      assert.equal(threads.length, 2);
      assert.deepEqual(
        threads[1]!.requests.map((request) => request.id),
        [1],
      );
      reply(threads[1]!, { id: 1, ok: true, result: 'ok' });
      assert.equal(await next, 'ok');
    });
  }

  test("no reply by the task's timeout plus the 2 s reply grace: TaskTimeoutError, the thread terminated", async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pool, threads } = prepare();
    const running = pool.run(RUN);
    await nextTurn();
    // Act
    t.mock.timers.tick(6_999);
    const justBefore = await state(running);
    t.mock.timers.tick(1);
    // Assess
    assert.equal(justBefore, 'pending');
    assert.equal(await state(running), 'rejected TaskTimeoutError: task did not finish within 5s');
    assert.equal(threads[0]!.terminations, 1);
  });

  test('the reply grace is an option', async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pool } = prepare({ replyGraceMs: 100 });
    const running = pool.run(RUN);
    await nextTurn();
    // Act
    t.mock.timers.tick(5_099);
    const justBefore = await state(running);
    t.mock.timers.tick(1);
    // Assess
    assert.equal(justBefore, 'pending');
    assert.equal(await state(running), 'rejected TaskTimeoutError: task did not finish within 5s');
  });
});

describe('start-up', () => {
  test('the pool starts one thread at once; it holds nothing open and gets no request until a task comes', async () => {
    // Prepare
    const { pool, threads } = prepare({ size: 2, ready: 'manual' });
    const atConstruction = threads.map((thread) => ({ referenced: thread.referenced, requests: thread.requests.length }));
    threads[0]!.ready();
    await nextTurn();
    // Act
    const running = pool.run(RUN);
    await nextTurn();
    // Assess
    assert.deepEqual(atConstruction, [{ referenced: false, requests: 0 }]);
    assert.equal(threads.length, 1, 'the warm thread serves the task; no second one is started');
    assert.deepEqual(
      threads[0]!.requests.map((request) => request.id),
      [1],
    );
    reply(threads[0]!, { id: 1, ok: true, result: 'ok' });
    assert.equal(await running, 'ok');
  });

  test('a task waits for its thread to be ready, then gets its whole timeout: a slow start-up does not eat it', async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pool, threads } = prepare({ ready: 'manual' });
    const running = pool.run(RUN);
    await nextTurn();
    // Act: 10 s of start-up, longer than the 5 s timeout plus the 2 s grace, within the 15 s start-up bound.
    t.mock.timers.tick(10_000);
    const whileStarting = { state: await state(running), requests: threads[0]!.requests.length, referenced: threads[0]!.referenced };
    threads[0]!.ready();
    await nextTurn();
    t.mock.timers.tick(6_999);
    const justBeforeTimeout = await state(running);
    t.mock.timers.tick(1);
    // Assess
    assert.deepEqual(whileStarting, { state: 'pending', requests: 0, referenced: true });
    assert.deepEqual(
      threads[0]!.requests.map((request) => request.id),
      [1],
    );
    assert.equal(justBeforeTimeout, 'pending');
    assert.equal(await state(running), 'rejected TaskTimeoutError: task did not finish within 5s');
  });

  test('a thread not ready 15 s after a task began to wait for it: WorkerCrashedError, it did not start; the thread is terminated', async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pool, threads } = prepare({ ready: 'manual' });
    // Warming up while no task waits has no bound (a frozen Lambda environment must not count).
    t.mock.timers.tick(60_000);
    const running = pool.run(RUN);
    await nextTurn();
    // Act
    t.mock.timers.tick(14_999);
    const justBefore = await state(running);
    t.mock.timers.tick(1);
    // Assess
    assert.equal(justBefore, 'pending');
    assert.equal(
      await state(running),
      'rejected WorkerCrashedError: worker thread did not start: not ready within 15s (does the entry call serveTaskWorker?)',
    );
    assert.equal(threads[0]!.terminations, 1);
    assert.deepEqual(listeners(threads[0]!), [0, 0, 0]);
    threads[0]!.ready();
    await nextTurn();
    assert.equal(threads[0]!.requests.length, 0, 'a late ready gives it no task');
  });

  test('the start-up bound is an option', async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pool } = prepare({ ready: 'manual', startTimeoutMs: 500 });
    const running = pool.run(RUN);
    await nextTurn();
    // Act
    t.mock.timers.tick(499);
    const justBefore = await state(running);
    t.mock.timers.tick(1);
    // Assess
    assert.equal(justBefore, 'pending');
    assert.equal(
      await state(running),
      'rejected WorkerCrashedError: worker thread did not start: not ready within 0.5s (does the entry call serveTaskWorker?)',
    );
  });

  const failures: Array<[string, (thread: FakeThread) => void, string]> = [
    [
      'fails',
      (thread) => thread.emit('error', new Error("Cannot find module '/var/task/index.mjs'")),
      "worker thread did not start: it failed: Cannot find module '/var/task/index.mjs'",
    ],
    ['exits', (thread) => thread.emit('exit', 1), 'worker thread did not start: it exited with code 1'],
  ];
  for (const [name, fail, message] of failures) {
    test(`a thread that ${name} before it is ready fails the waiting task with WorkerCrashedError; the next task starts a new thread`, async () => {
      // Prepare
      const { pool, threads } = prepare({ ready: 'manual' });
      const running = pool.run(RUN);
      await nextTurn();
      // Act
      fail(threads[0]!);
      const failed = await state(running);
      const startedAfterFailure = threads.length;
      const next = pool.run(RUN);
      await nextTurn();
      threads[1]!.ready();
      await nextTurn();
      // Assess
      assert.equal(failed, `rejected WorkerCrashedError: ${message}`);
      assert.equal(threads[0]!.terminations, 1);
      assert.deepEqual(listeners(threads[0]!), [0, 0, 0]);
      assert.equal(startedAfterFailure, 1, 'a thread that cannot start is not restarted for no one');
      assert.deepEqual(
        threads[1]!.requests.map((request) => request.id),
        [1],
      );
      reply(threads[1]!, { id: 1, ok: true, result: 'ok' });
      assert.equal(await next, 'ok');
    });
  }

  test('a warm thread that fails before any task waits is dropped, failing nothing', async () => {
    // Prepare
    const { pool, threads } = prepare({ ready: 'manual' });
    // Act
    threads[0]!.emit('exit', 1);
    const running = pool.run(RUN);
    await nextTurn();
    threads[1]!.ready();
    await nextTurn();
    // Assess
    assert.equal(threads[0]!.terminations, 1);
    assert.equal(threads.length, 2);
    assert.deepEqual(
      threads[1]!.requests.map((request) => request.id),
      [1],
    );
    reply(threads[1]!, { id: 1, ok: true, result: 'ok' });
    assert.equal(await running, 'ok');
  });

  test('whichever thread is ready first serves the longest-waiting task', async () => {
    // Prepare
    const { pool, threads } = prepare({ size: 2, ready: 'manual' });
    const first = pool.run(RUN);
    const second = pool.run({ ...RUN, attempt: 2 });
    await nextTurn();
    // Act
    threads[1]!.ready();
    await nextTurn();
    const afterSecondThreadReady = threads.map((thread) => thread.requests.map((request) => request.attempt));
    threads[0]!.ready();
    await nextTurn();
    // Assess
    assert.deepEqual(afterSecondThreadReady, [[], [1]]);
    assert.deepEqual(
      threads.map((thread) => thread.requests.map((request) => request.attempt)),
      [[2], [1]],
    );
    reply(threads[1]!, { id: 1, ok: true, result: 'first' });
    reply(threads[0]!, { id: 1, ok: true, result: 'second' });
    assert.deepEqual(await Promise.all([first, second]), ['first', 'second']);
  });

  test('close while a thread starts: the thread is terminated, the task waiting for it fails', async () => {
    // Prepare
    const { pool, threads } = prepare({ ready: 'manual' });
    const running = outcome(pool.run(RUN));
    await nextTurn();
    // Act
    await pool.close();
    threads[0]!.ready();
    await nextTurn();
    // Assess
    assert.equal(await running, 'rejected WorkerCrashedError: worker pool is closed');
    assert.equal(threads[0]!.terminations, 1);
    assert.deepEqual(listeners(threads[0]!), [0, 0, 0]);
    assert.equal(threads[0]!.requests.length, 0);
    assert.equal(threads.length, 1);
  });
});

describe('size and close', () => {
  test('at most `size` threads: a third concurrent task waits for the first free one', async () => {
    // Prepare
    const { pool, threads } = prepare({ size: 2 });
    const runs = [pool.run(RUN), pool.run(RUN), pool.run({ ...RUN, attempt: 3 })];
    await nextTurn();
    const beforeFree = threads.map((thread) => thread.requests.length);
    // Act
    reply(threads[1]!, { id: 1, ok: true, result: 'second' });
    await nextTurn();
    // Assess
    assert.deepEqual(beforeFree, [1, 1]);
    assert.equal(threads.length, 2);
    assert.deepEqual(
      threads[1]!.requests.map((request) => [request.id, request.attempt]),
      [
        [1, 1],
        [2, 3],
      ],
    );
    reply(threads[0]!, { id: 1, ok: true, result: 'first' });
    reply(threads[1]!, { id: 2, ok: true, result: 'third' });
    assert.deepEqual(await Promise.all(runs), ['first', 'second', 'third']);
  });

  test('a waiting task gets a new thread when the busy one had to be terminated', async () => {
    // Prepare
    const { pool, threads } = prepare({ size: 1 });
    const first = pool.run(RUN);
    const second = pool.run(RUN);
    await nextTurn();
    // Act
    threads[0]!.emit('exit', 1);
    await assert.rejects(first, WorkerCrashedError);
    await nextTurn();
    // Assess
    assert.equal(threads.length, 2);
    assert.deepEqual(
      threads[1]!.requests.map((request) => request.id),
      [1],
    );
    reply(threads[1]!, { id: 1, ok: true, result: 'ok' });
    assert.equal(await second, 'ok');
  });

  test('close terminates every thread; a task after it fails with WorkerCrashedError', async () => {
    // Prepare
    const { pool, threads } = prepare({ size: 2 });
    const running = [pool.run(RUN), pool.run(RUN)];
    await nextTurn();
    reply(threads[0]!, { id: 1, ok: true, result: 'ok' });
    reply(threads[1]!, { id: 1, ok: true, result: 'ok' });
    await Promise.all(running);
    // Act
    await pool.close();
    const after = pool.run(RUN);
    // Assess
    assert.deepEqual(
      threads.map((thread) => thread.terminations),
      [1, 1],
    );
    await assert.rejects(after, (error: unknown) => error instanceof WorkerCrashedError && error.message === 'worker pool is closed');
  });

  test('a task that finishes while the pool closes resolves, and its thread is not kept; a task waiting for a thread fails', async () => {
    // Prepare
    const { pool, threads } = prepare({ size: 1 });
    const running = pool.run(RUN);
    const waiting = outcome(pool.run(RUN));
    await nextTurn();
    // Act
    await pool.close();
    reply(threads[0]!, { id: 1, ok: true, result: 'late' });
    // Assess
    assert.equal(await running, 'late');
    assert.equal(await waiting, 'rejected WorkerCrashedError: worker pool is closed');
    assert.equal(threads.length, 1);
    assert.equal(threads[0]!.terminations, 2, 'once by close, once on release');
  });
});
