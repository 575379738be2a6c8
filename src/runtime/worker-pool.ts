/**
 * Runs tasks in worker threads so a handler stuck in a tight loop (a
 * pathological PDF, a catastrophic regex: incident 004,
 * docs/incidents.md#004-flood) is terminated at its timeout and fails alone
 * (docs/design.md#4-run).
 *
 * A thread gets a task only once it has said it is ready, so its start-up
 * (loading the entry, seconds on a starved machine) never counts against a
 * task's timeout; a task waits for a start-up at most `startTimeoutMs`.
 * Threads are reused between tasks. One is started with the pool, and a
 * thread terminated after a timeout or crash is replaced at once, so the
 * next task rarely waits for a start-up at all.
 *
 * The worker thread loads `entry`, a module that calls `serveTaskWorker`
 * with the same definition (task-worker.ts). In the Lambda bundle the entry
 * is the bundle itself.
 */
import { Worker } from 'node:worker_threads';
import { PermanentError, TaskTimeoutError, WorkerCrashedError } from './errors.ts';
import type { TaskRun, TaskRunner } from './runner.ts';
import { WORKER_REPLY_GRACE_SECONDS, WORKER_START_TIMEOUT_SECONDS } from '../definition/limits.ts';
import { isWorkerReady, TASK_WORKER_MARKER, type WorkerMessage, type WorkerReply, type WorkerRequest } from './task-worker.ts';

export interface WorkerPoolOptions {
  /** Module that serves tasks when loaded in a worker thread. */
  readonly entry: string | URL;
  /** Most workers alive at once; more concurrent tasks wait. The consumer passes the lane's batch size. */
  readonly size: number;
  /**
   * Time a thread gets beyond the task's timeout to answer before it is
   * terminated (the request and reply cross the thread boundary; a handler
   * that yields sends its own timeout back). @default 2 s (WORKER_REPLY_GRACE_SECONDS)
   */
  readonly replyGraceMs?: number;
  /**
   * Longest a task waits for a thread to become ready; the thread is then
   * terminated and the task fails with WorkerCrashedError. A thread warming up
   * while no task waits has no bound. @default 15 s (WORKER_START_TIMEOUT_SECONDS)
   */
  readonly startTimeoutMs?: number;
  /** Starts one worker thread. Default: a `Worker` running `entry`; the unit tests pass fakes. */
  readonly startThread?: (entry: string | URL, workerData: Record<string, unknown>) => PoolThread;
}

export const WORKER_POOL_DEFAULTS = {
  replyGraceMs: WORKER_REPLY_GRACE_SECONDS * 1000,
  startTimeoutMs: WORKER_START_TIMEOUT_SECONDS * 1000,
} as const satisfies Partial<WorkerPoolOptions>;

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

class PoolWorker {
  readonly thread: PoolThread;
  private next = 0;
  /** Set while the thread starts: stops listening for its ready message, and ends the start as failed for this reason. */
  starting?: { readonly stopListening: () => void; readonly fail: (reason: string) => void };
  /** Armed once a task waits for this starting thread. */
  startDeadline?: ReturnType<typeof setTimeout>;
  constructor(thread: PoolThread) {
    this.thread = thread;
  }
  nextId(): number {
    return ++this.next;
  }
}

interface Waiter {
  resolve(worker: PoolWorker): void;
  reject(error: Error): void;
}

export class WorkerPool implements TaskRunner {
  private readonly options: WorkerPoolOptions;
  private readonly idle: PoolWorker[] = [];
  /** Threads not yet ready, in start order; the first ones are what the waiting tasks wait for. */
  private readonly starting: PoolWorker[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly live = new Set<PoolWorker>();
  private readonly replyGraceMs: number;
  private readonly startTimeoutMs: number;
  private closed = false;

  constructor(options: WorkerPoolOptions) {
    this.options = options;
    this.replyGraceMs = options.replyGraceMs ?? WORKER_POOL_DEFAULTS.replyGraceMs;
    this.startTimeoutMs = options.startTimeoutMs ?? WORKER_POOL_DEFAULTS.startTimeoutMs;
    // Warm: the first task should not pay a thread's start-up.
    if (options.size >= 1) this.startThread();
  }

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
    for (const waiter of this.waiting.splice(0)) waiter.reject(new WorkerCrashedError('worker pool is closed'));
    for (const worker of this.starting.splice(0)) this.stopStarting(worker);
    const all = [...this.live];
    this.live.clear();
    this.idle.length = 0;
    await Promise.all(all.map((worker) => worker.thread.terminate()));
  }

  private acquire(): Promise<PoolWorker> {
    if (this.closed) return Promise.reject(new WorkerCrashedError('worker pool is closed'));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.balance();
    });
  }

  /**
   * Starts a thread for each waiting task that no starting thread covers
   * (within `size`), and bounds the start-up of the ones tasks wait for.
   * Whichever thread is ready first serves the longest-waiting task.
   */
  private balance(): void {
    if (this.closed) return;
    while (this.waiting.length > this.starting.length && this.live.size < this.options.size) this.startThread();
    this.starting.forEach((worker, index) => {
      if (index < this.waiting.length) {
        // A task waits for it: it holds the process open as a running task does, and gets the start-up bound.
        worker.thread.ref();
        worker.startDeadline ??= setTimeout(
          () => worker.starting?.fail(`not ready within ${this.startTimeoutMs / 1000}s (does the entry call serveTaskWorker?)`),
          this.startTimeoutMs,
        );
      } else {
        // Warming up for no one: unbounded (a frozen Lambda environment must not count) and unreferenced.
        worker.thread.unref();
        clearTimeout(worker.startDeadline);
        worker.startDeadline = undefined;
      }
    });
  }

  private startThread(): void {
    const start = this.options.startThread ?? startWorker;
    const worker = new PoolWorker(start(this.options.entry, { [TASK_WORKER_MARKER]: true }));
    const { thread } = worker;
    // Until a task waits for it (balance), it must not hold the process open.
    thread.unref();
    this.live.add(worker);
    this.starting.push(worker);
    const onMessage = (message: WorkerMessage) => {
      if (!isWorkerReady(message)) return;
      this.stopStarting(worker);
      this.handOut(worker);
    };
    const fail = (reason: string) => {
      this.stopStarting(worker);
      this.discard(worker);
      this.waiting.shift()?.reject(new WorkerCrashedError(`worker thread did not start: ${reason}`));
      this.balance();
    };
    const onError = (error: Error) => fail(`it failed: ${error.message}`);
    const onExit = (code: number) => fail(`it exited with code ${code}`);
    thread.on('message', onMessage);
    thread.on('error', onError);
    thread.on('exit', onExit);
    const stopListening = () => {
      thread.off('message', onMessage);
      thread.off('error', onError);
      thread.off('exit', onExit);
    };
    worker.starting = { stopListening, fail };
  }

  private stopStarting(worker: PoolWorker): void {
    worker.starting?.stopListening();
    worker.starting = undefined;
    clearTimeout(worker.startDeadline);
    const index = this.starting.indexOf(worker);
    if (index >= 0) this.starting.splice(index, 1);
  }

  /** A ready thread serves the longest-waiting task, or waits unreferenced for the next one. */
  private handOut(worker: PoolWorker): void {
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve(worker);
      this.balance();
    } else {
      worker.thread.unref();
      this.idle.push(worker);
    }
  }

  private discard(worker: PoolWorker): void {
    this.live.delete(worker);
    void worker.thread.terminate();
  }

  private releaseWorker(worker: PoolWorker, healthy: boolean): void {
    if (healthy && !this.closed) {
      this.handOut(worker);
      return;
    }
    this.discard(worker);
    if (this.closed) return;
    // The replacement starts now, while the retry of this task is still far off.
    this.startThread();
    this.balance();
  }

  private exchange(worker: PoolWorker, run: TaskRun): Promise<unknown> {
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
      const onMessage = (message: WorkerMessage) => {
        if (isWorkerReady(message) || message.id !== id) return;
        cleanup();
        if (message.ok) return resolve(message.result);
        reject(rebuildError(message, run.task.timeoutSeconds));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new WorkerCrashedError(`worker thread failed: ${error.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new WorkerCrashedError(`worker thread exited with code ${code}`));
      };
      // Starts now that the thread is ready: the grace covers the round trip, not a start-up.
      const timer = setTimeout(() => {
        cleanup();
        reject(new TaskTimeoutError(run.task.timeoutSeconds));
      }, timeoutMs + this.replyGraceMs);
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
