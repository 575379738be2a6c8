/**
 * Writes the `done` marks of one invocation's records together: one
 * BatchWriteItem for a batch instead of a PutItem per record (DESIGN.md step
 * 5 stays in order: a record's outcome is settled, and so its message
 * deleted, only after its own mark is written). Marks wait until every
 * record still in progress has asked for one, or at most `maxDelayMs`, so
 * a slow batch-mate never holds a finished record's mark for long; its
 * claim's lease keeps repeats coalesced meanwhile. Unprocessed marks are
 * written one by one; a failed request fails its marks, as a failed
 * PutItem would.
 */
import { MAX_BATCH_WRITE_ITEMS, type ClaimRequest, type ClaimResult, type DedupPort, type DedupStore, type DoneMark } from './dedup.ts';

/**
 * Longest a finished record's mark waits for batch-mates. A few ms: far
 * below any lease (task timeout + LEASE_MARGIN_SECONDS), long enough for
 * records that finish together to share a request.
 */
export const DONE_BATCH_MAX_DELAY_MS = 20;

interface PendingMark {
  readonly mark: DoneMark;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class DoneMarkBatcher implements DedupPort {
  #open: number;
  #pending: PendingMark[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** `records`: how many records of the invocation will run through this batcher. */
  constructor(
    private readonly store: DedupStore,
    records: number,
    private readonly maxDelayMs = DONE_BATCH_MAX_DELAY_MS,
  ) {
    this.#open = records;
  }

  claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    return this.store.claim(key, request);
  }

  release(key: string, owner: string): Promise<void> {
    return this.store.release(key, owner);
  }

  markDone(key: string, owner: string, taskId: string, windowSeconds: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ mark: { key, owner, taskId, windowSeconds }, resolve, reject });
      this.#schedule();
    });
  }

  /** Call once per record when its processing has ended, whatever the outcome. */
  recordSettled(): void {
    this.#open--;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#pending.length === 0) return;
    if (this.#pending.length >= this.#open || this.#pending.length >= MAX_BATCH_WRITE_ITEMS) {
      this.#flush();
    } else {
      this.#timer ??= setTimeout(() => this.#flush(), this.maxDelayMs);
    }
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    this.#pending = [];
    for (const chunk of distinctKeyChunks(pending)) void this.#write(chunk);
  }

  async #write(chunk: readonly PendingMark[]): Promise<void> {
    let retry: ReadonlySet<DoneMark>;
    try {
      // A single mark needs no batch request; unprocessed ones are retried alone below.
      retry = new Set(chunk.length === 1 ? [chunk[0]!.mark] : await this.store.markDoneMany(chunk.map((pending) => pending.mark)));
    } catch (error) {
      for (const pending of chunk) pending.reject(error);
      return;
    }
    await Promise.all(
      chunk.map(async (pending) => {
        try {
          if (retry.has(pending.mark)) await this.#writeOne(pending.mark);
          pending.resolve();
        } catch (error) {
          pending.reject(error);
        }
      }),
    );
  }

  #writeOne(mark: DoneMark): Promise<void> {
    return this.store.markDone(mark.key, mark.owner, mark.taskId, mark.windowSeconds);
  }
}

/** BatchWriteItem rejects two requests for one key and more than 25 requests. */
function distinctKeyChunks(pending: readonly PendingMark[]): PendingMark[][] {
  const chunks: Array<{ items: PendingMark[]; keys: Set<string> }> = [];
  for (const item of pending) {
    let chunk = chunks.find((c) => c.items.length < MAX_BATCH_WRITE_ITEMS && !c.keys.has(item.mark.key));
    if (!chunk) chunks.push((chunk = { items: [], keys: new Set() }));
    chunk.items.push(item);
    chunk.keys.add(item.mark.key);
  }
  return chunks.map((c) => c.items);
}
