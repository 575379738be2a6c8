/**
 * Waiting in place for a slot this consumer gives back (docs/design.md#6-limits).
 * SQS delays in whole seconds, so a key whose runs take less than that
 * cannot keep its slots busy on delayed copies alone: they come back once a
 * second, all together, and most find the slots still taken. A run refused
 * a slot in a batch that already holds a run of the same key (so the batch
 * waits anyway) waits for a run of the key in this process to end and takes
 * its slot then (one conditional write, as any acquire); after
 * LIMIT_DEFAULTS.waitInPlaceSeconds without one it is deferred after all. At
 * most as many runs of a key wait as it may run at once, so a flooding key
 * holds no more batches than it has runs, and no more records than twice them.
 */

export class SlotHandoff {
  readonly #waiters = new Map<string, Array<() => void>>();

  /** How many runs wait for `record` now. */
  waiting(record: string): number {
    return this.#waiters.get(record)?.length ?? 0;
  }

  /** Resolves true when a slot of `record` is given back in this process, false after `timeoutMs`. */
  wait(record: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const queue = this.#waiters.get(record) ?? [];
      this.#waiters.set(record, queue);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(wake);
        if (index >= 0) queue.splice(index, 1);
        if (queue.length === 0) this.#waiters.delete(record);
        resolve(false);
      }, timeoutMs);
      queue.push(wake);
    });
  }

  /** A slot of `record` was given back: the longest waiter tries it. */
  released(record: string): void {
    const queue = this.#waiters.get(record);
    const next = queue?.shift();
    if (queue?.length === 0) this.#waiters.delete(record);
    next?.();
  }
}
