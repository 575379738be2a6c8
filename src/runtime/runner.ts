/**
 * How a lane runs one task's handler under its timeout. Inline runners share
 * the consumer's thread and can only ask a handler to stop (AbortSignal);
 * the worker runner (worker-pool.ts) can stop one by force.
 */
import type { TaskEnvelope } from '../definition/envelope.ts';
import type { ResolvedTaskType, TaskContext } from '../definition/types.ts';
import { TaskTimeoutError } from './errors.ts';

export interface TaskRun {
  readonly task: ResolvedTaskType;
  readonly envelope: TaskEnvelope;
  readonly lane: string;
  readonly attempt: number;
}

export interface TaskRunner {
  run(run: TaskRun): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Calls the handler with a signal that fires at the timeout. The returned
 * promise settles at the timeout even if the handler ignores the signal, but
 * the handler's code keeps running in the background: use a worker lane for
 * work that can block the event loop.
 */
export async function runWithSignal(run: TaskRun): Promise<unknown> {
  const timeoutMs = run.task.timeoutSeconds * 1000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TaskTimeoutError(run.task.timeoutSeconds);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const context: TaskContext = {
    signal: controller.signal,
    envelope: run.envelope,
    lane: run.lane,
    attempt: run.attempt,
    deadline: Date.now() + timeoutMs,
  };
  try {
    return await Promise.race([Promise.resolve().then(() => run.task.handler(run.envelope.payload, context)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export const inlineRunner: TaskRunner = {
  run: runWithSignal,
  close: async () => {},
};
