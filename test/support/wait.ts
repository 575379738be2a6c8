/**
 * Waiting on conditions instead of sleeping: tests run on loaded 2-core
 * machines, so they wait for what they expect with a generous deadline and
 * never assert how long something took.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Default 20 s: generous, because a failing wait only costs time while a tight one flakes. */
  readonly timeoutMs?: number;
  /** Default 50 ms. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly description?: string;
}

export const WAIT_DEFAULTS = { timeoutMs: 20_000, intervalMs: 50, description: 'condition' } as const satisfies Required<WaitOptions>;

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/**
 * Resolves with the condition's first truthy value. A condition that throws
 * counts as not yet met; its last error is the timeout's cause.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs, intervalMs, description } = { ...WAIT_DEFAULTS, ...options };
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${description}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
