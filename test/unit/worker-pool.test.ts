/**
 * The worker pool with fake threads (no thread is started): the request a
 * task becomes, how each reply or thread failure comes back to the pipeline
 * as an error class, which threads are kept for the next task and which are
 * terminated, the size limit, the timeout on mocked timers, and close.
 * Real threads run in test/runtime/pipeline.test.ts (the `isolated` lane).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PermanentError, TaskTimeoutError, WorkerCrashedError } from '../../src/runtime/errors.ts';
import type { TaskRun } from '../../src/runtime/runner.ts';
import type { WorkerReply } from '../../src/runtime/task-worker.ts';
import { WorkerPool } from '../../src/runtime/worker-pool.ts';
import { LANE, unitDefinition } from './helpers/definition.ts';
import { CREATED_AT, fakeThreads, type FakeThread } from './helpers/factories.ts';

const ENVELOPE = { v: 1, id: 'task-1', type: 'unit.work', tenant: 'acme', createdAt: CREATED_AT, payload: { n: 1 } } as const;
const RUN: TaskRun = { task: unitDefinition.findTask('unit.work')!, envelope: ENVELOPE, lane: LANE, attempt: 1 };

/** Lets pending promise callbacks run (the pool posts a request after an await). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** 'pending', or how the promise settled. */
const state = (promise: Promise<unknown>) =>
  Promise.race([
    promise.then(
      (value) => `resolved ${String(value)}`,
      (error: Error) => `rejected ${error.name}: ${error.message}`,
    ),
    nextTurn().then(() => 'pending'),
  ]);

function prepare(size = 2, startGraceMs?: number) {
  const threads = fakeThreads();
  const grace = startGraceMs === undefined ? {} : { startGraceMs };
  const pool = new WorkerPool({ entry: 'file:///worker-entry.js', size, startThread: threads.startThread, ...grace });
  return { pool, threads: threads.started };
}

const reply = (thread: FakeThread, message: WorkerReply) => thread.emit('message', message);
const listeners = (thread: FakeThread) => ['message', 'error', 'exit'].map((event) => thread.listenerCount(event));

describe('a task and its reply', () => {
  test('a task goes to a fresh thread as one request; the thread holds the process open only while it runs', async () => {
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
    test(`${name}: ${errorClass.name}; the thread is terminated and the next task gets a new one`, async () => {
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
      const next = pool.run(RUN);
      await nextTurn();
      // Assess
      assert.ok(failed instanceof errorClass, String(failed));
      assert.equal((failed as Error).message, message);
      assert.equal(threads[0]!.terminations, 1);
      assert.deepEqual(listeners(threads[0]!), [0, 0, 0]);
      assert.equal(threads.length, 2);
      assert.deepEqual(
        threads[1]!.requests.map((request) => request.id),
        [1],
      );
      reply(threads[1]!, { id: 1, ok: true, result: 'ok' });
      assert.equal(await next, 'ok');
    });
  }

  test("no reply by the task's timeout plus the 2 s start-up grace: TaskTimeoutError, the thread terminated", async (t) => {
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

  test('the start-up grace is an option', async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pool } = prepare(2, 100);
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

describe('size and close', () => {
  test('at most `size` threads: a third concurrent task waits for the first free one', async () => {
    // Prepare
    const { pool, threads } = prepare(2);
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
    const { pool, threads } = prepare(1);
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
    const { pool, threads } = prepare(2);
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
    const { pool, threads } = prepare(1);
    const running = pool.run(RUN);
    const waiting = pool.run(RUN);
    await nextTurn();
    // Act
    await pool.close();
    reply(threads[0]!, { id: 1, ok: true, result: 'late' });
    // Assess
    assert.equal(await running, 'late');
    await assert.rejects(waiting, (error: unknown) => error instanceof WorkerCrashedError && error.message === 'worker pool is closed');
    assert.equal(threads.length, 1);
    assert.equal(threads[0]!.terminations, 2, 'once by close, once on release');
  });
});
