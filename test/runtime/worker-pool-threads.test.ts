/**
 * The worker pool with real threads whose entry is slow to load: the task is
 * posted once the thread says it is ready, so a start-up longer than the
 * task's timeout plus the reply grace costs it nothing, and the handler runs
 * once. (The pool's other cases run on fake threads in test/unit/.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerPool } from '../../src/runtime/worker-pool.ts';
import { readExecutions, useFreshExecutionLog } from '../support/execution-log.ts';
import { TEST_WORKER_TIMEOUT_SECONDS, testDefinition } from '../support/test-definition.ts';
import { SLOW_START_MS } from './fixtures/slow-worker-entry.ts';

const SLOW_ENTRY = new URL('./fixtures/slow-worker-entry.ts', import.meta.url);
const ENVELOPE = {
  v: 1,
  id: 'slow-start-1',
  type: 'test.isolated-ok',
  tenant: 'acme',
  createdAt: '2026-12-02T00:00:00.000Z',
  payload: {},
} as const;

useFreshExecutionLog();

test(`a thread that takes ${SLOW_START_MS} ms to load (task timeout ${TEST_WORKER_TIMEOUT_SECONDS} s + 2 s grace) runs its task once, without a timeout`, async () => {
  // Prepare
  const pool = new WorkerPool({ entry: SLOW_ENTRY, size: 1 });
  try {
    // Act
    const result = await pool.run({ task: testDefinition.findTask('test.isolated-ok')!, envelope: ENVELOPE, lane: 'isolated', attempt: 1 });
    // Assess
    assert.equal(result, 'ok');
    assert.deepEqual(
      readExecutions().map((execution) => [execution.id, execution.phase]),
      [
        ['slow-start-1', 'started'],
        ['slow-start-1', 'completed'],
      ],
    );
  } finally {
    await pool.close();
  }
});
