/**
 * Runs tasks in worker threads so a handler stuck in a tight loop (a
 * pathological PDF, a catastrophic regex: incident 004,
 * docs/incidents.md#004-flood) is terminated at its timeout and fails alone
 * (docs/design.md#4-run). Workers are reused between tasks; a terminated or
 * crashed worker is replaced by a fresh one on demand.
 *
 * The worker thread loads `entry`, a module that calls `serveTaskWorker`
 * with the same definition (task-worker.ts). In the Lambda bundle the entry
 * is the bundle itself.
 */
import { Worker } from 'node:worker_threads';
import { PermanentError, TaskTimeoutError, WorkerCrashedError } from './errors.ts';
import type { TaskRun, TaskRunner } from './runner.ts';
import { WORKER_START_GRACE_SECONDS } from '../definition/limits.ts';
import { TASK_WORKER_MARKER, type WorkerReply, type WorkerRequest } from './task-worker.ts';

export interface WorkerPoolOptions {
  /** Module that serves tasks when loaded in a worker thread. */
  readonly entry: string | URL;
  /** Most workers alive at once; more concurrent tasks wait. Default: the lane's batch size. */
  readonly size: number;
  /** Grace added to the task timeout before the worker is terminated, covering thread start-up. */
  readonly startGraceMs?: number;
  /** Starts one worker thread. Default: a `Worker` running `entry`; the unit tests pass fakes. */
  readonly startThread?: (entry: string | URL, workerData: Record<string, unknown>) => PoolThread;
}

/** What the pool uses of a worker thread. */
export interface PoolThread {
  // biome-ignore lint/suspicious/noExplicitAny: node's Worker types its listeners' values as any; the pool narrows each itself.
  on(event: 'message' | 'error' | 'exit', listener: (value: any) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  off(event: 'message' | 'error' | 'exit', listener: (value: any) => void): unknown;
  postMessage(request: WorkerRequest): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

const startWorker = (entry: string | URL, workerData: Record<string, unknown>): PoolThread => new Worker(entry, { workerData });

class ReusableWorker {
  private next = 0;
  constructor(readonly thread: PoolThread) {}
  nextId(): number {
    return ++this.next;
  }
}

export class WorkerPool implements TaskRunner {
  private readonly idle: ReusableWorker[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly live = new Set<ReusableWorker>();
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  async run(run: TaskRun): Promise<unknown> {
    const worker = await this.acquire();
    let healthy = false;
    try {
      const result = await this.exchange(worker, run);
      healthy = true;
      return result;
    } catch (error) {
      // A handler's own error leaves the worker usable; a timeout or crash does not.
      healthy = !(error instanceof TaskTimeoutError || error instanceof WorkerCrashedError);
      throw error;
    } finally {
      this.releaseWorker(worker, healthy);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.live];
    this.live.clear();
    this.idle.length = 0;
    await Promise.all(all.map((worker) => worker.thread.terminate()));
  }

  private async acquire(): Promise<ReusableWorker> {
    for (;;) {
      if (this.closed) throw new WorkerCrashedError('worker pool is closed');
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.live.size < this.options.size) {
        const start = this.options.startThread ?? startWorker;
        const worker = new ReusableWorker(start(this.options.entry, { [TASK_WORKER_MARKER]: true }));
        // Keeps a worker that is between tasks from holding the process open.
        worker.thread.unref();
        this.live.add(worker);
        return worker;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private releaseWorker(worker: ReusableWorker, healthy: boolean): void {
    if (healthy && !this.closed) {
      this.idle.push(worker);
    } else {
      this.live.delete(worker);
      void worker.thread.terminate();
    }
    this.waiting.shift()?.();
  }

  private exchange(worker: ReusableWorker, run: TaskRun): Promise<unknown> {
    const { thread } = worker;
    const id = worker.nextId();
    const timeoutMs = run.task.timeoutSeconds * 1000;
    thread.ref();
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        thread.off('message', onMessage);
        thread.off('error', onError);
        thread.off('exit', onExit);
        thread.unref();
      };
      const onMessage = (reply: WorkerReply) => {
        if (reply.id !== id) return;
        cleanup();
        if (reply.ok) return resolve(reply.result);
        reject(rebuildError(reply, run.task.timeoutSeconds));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new WorkerCrashedError(`worker thread failed: ${error.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new WorkerCrashedError(`worker thread exited with code ${code}`));
      };
      const timer = setTimeout(
        () => {
          cleanup();
          reject(new TaskTimeoutError(run.task.timeoutSeconds));
        },
        timeoutMs + (this.options.startGraceMs ?? WORKER_START_GRACE_SECONDS * 1000),
      );
      thread.on('message', onMessage);
      thread.on('error', onError);
      thread.on('exit', onExit);
      const request: WorkerRequest = {
        id,
        type: run.task.type,
        envelope: run.envelope,
        lane: run.lane,
        attempt: run.attempt,
      };
      thread.postMessage(request);
    });
  }
}

function rebuildError(reply: Extract<WorkerReply, { ok: false }>, timeoutSeconds: number): Error {
  if (reply.kind === 'timeout') return new TaskTimeoutError(timeoutSeconds);
  if (reply.kind === 'permanent') return new PermanentError(`${reply.name}: ${reply.message}`);
  return new Error(`${reply.name}: ${reply.message}`);
}
