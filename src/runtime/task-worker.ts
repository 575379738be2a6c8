/**
 * The worker-thread side of worker-pool.ts: says it is ready once it
 * listens, then receives one task at a time, runs its handler with the same
 * signal and timeout as an inline lane, and answers with the result or the
 * error's class and message.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Definition } from '../definition/registry.ts';
import type { TaskEnvelope } from '../definition/envelope.ts';
import { PermanentError, TaskTimeoutError } from './errors.ts';
import { runWithSignal } from './runner.ts';

/** Set in `workerData` by the pool, so a module can tell it was loaded to serve tasks. */
export const TASK_WORKER_MARKER = 'tasklanesTaskWorker';

export interface WorkerRequest {
  readonly id: number;
  readonly type: string;
  readonly envelope: TaskEnvelope;
  readonly lane: string;
  readonly attempt: number;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly name: string; readonly message: string; readonly kind: FailureKind };

/**
 * Posted once, when the thread listens for requests. The pool posts no task
 * before it, so a thread's start-up (loading the entry) never counts against
 * a task's timeout.
 */
export interface WorkerReady {
  readonly ready: true;
}

/** What a worker thread posts to the pool. */
export type WorkerMessage = WorkerReady | WorkerReply;

export const isWorkerReady = (message: WorkerMessage): message is WorkerReady => 'ready' in message;

/** How the pool rebuilds a worker's error on the main thread, where the pipeline branches on classes. */
export type FailureKind = 'permanent' | 'timeout' | 'retryable';

/** True when this thread was started by a WorkerPool. */
export function isTaskWorkerThread(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[TASK_WORKER_MARKER] === true;
}

/**
 * Call at the top level of a worker entry module. In a pool's worker thread
 * it serves tasks of `definition`; anywhere else it does nothing.
 */
export function serveTaskWorker(definition: Definition): void {
  if (!isTaskWorkerThread() || !parentPort) return;
  const port = parentPort;
  port.on('message', async (request: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      const task = definition.findTask(request.type);
      if (!task) throw new PermanentError(`worker does not know task type "${request.type}"`);
      const result = await runWithSignal({ task, envelope: request.envelope, lane: request.lane, attempt: request.attempt });
      reply = { id: request.id, ok: true, result: structuredCloneable(result) };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      const kind: FailureKind = err instanceof PermanentError ? 'permanent' : err instanceof TaskTimeoutError ? 'timeout' : 'retryable';
      reply = { id: request.id, ok: false, name: err.name, message: err.message, kind };
    }
    port.postMessage(reply);
  });
  const ready: WorkerReady = { ready: true };
  port.postMessage(ready);
}

/** Handler results are informational; drop what cannot cross the thread boundary rather than fail a task that succeeded. */
function structuredCloneable(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}
