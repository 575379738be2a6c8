/**
 * One invocation's dedup requests, batched.
 *
 * Claims: the pipeline asks for every record's claim before its first await,
 * so the claims asked for in one turn of the event loop go out together
 * (`DedupStore.claimMany`: one PartiQL batch of conditional INSERTs for up to
 * 25 distinct keys, instead of a PutItem per record).
 *
 * Done marks: one BatchWriteItem for a batch instead of a PutItem per
 * record (docs/design.md#5-settle stays in order: a record's outcome is
 * settled, and so its message deleted, only after its own mark is written).
 * Marks wait until every record that holds a claim and is still running has
 * asked for one, or at most `maxDelayMs`, so a slow batch-mate never holds
 * a finished record's mark for long; its claim's lease keeps repeats
 * coalesced meanwhile. Records still waiting for their claim's verdict (a
 * duplicate's read) hold no one: most of them end without a mark.
 * Unprocessed marks are written one by one; a failed request fails its
 * marks, as a failed PutItem would.
 */
import {
  MAX_BATCH_STATEMENTS,
  MAX_BATCH_WRITE_ITEMS,
  type ClaimEntry,
  type ClaimRequest,
  type ClaimResult,
  type DedupPort,
  type DedupStore,
  type DoneMark,
} from './dedup.ts';

/**
 * Longest a finished record's mark waits for batch-mates. A few ms: far
 * below any lease (task timeout + LEASE_MARGIN_SECONDS), long enough for
 * records that finish together to share a request.
 */
export const DONE_BATCH_MAX_DELAY_MS = 20;

interface Pending<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}
type PendingMark = Pending<DoneMark, void>;
type PendingClaim = Pending<ClaimEntry, ClaimResult>;

/** What the batcher uses of the store (a DedupStore; the unit tests pass a fake). */
export type BatchedStore = Pick<DedupStore, 'claimMany' | 'markDone' | 'markDoneMany' | 'release'>;

export class DedupBatcher implements DedupPort {
  private readonly store: BatchedStore;
  private readonly maxDelayMs: number;
  /** Deliveries (owners) holding a claim that have not settled yet: the marks to wait for. */
  readonly #running = new Set<string>();
  #pending: PendingMark[] = [];
  #timer: NodeJS.Timeout | undefined;
  #check: NodeJS.Immediate | undefined;
  #claims: PendingClaim[] = [];
  #claimsFlush: NodeJS.Immediate | undefined;

  constructor(store: BatchedStore, maxDelayMs = DONE_BATCH_MAX_DELAY_MS) {
    this.store = store;
    this.maxDelayMs = maxDelayMs;
  }

  claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    return new Promise((resolve, reject) => {
      this.#claims.push({ item: { key, request }, resolve, reject });
      this.#claimsFlush ??= setImmediate(() => void this.#flushClaims());
    });
  }

  async #flushClaims(): Promise<void> {
    this.#claimsFlush = undefined;
    const pending = this.#claims;
    this.#claims = [];
    // In turn, so that of two records with one key the earlier in the batch wins; a second chunk is
    // rare (a key repeated within the batch, or more than 25 records).
    for (const chunk of distinctKeyChunks(pending, (claim) => claim.item.key, MAX_BATCH_STATEMENTS)) await this.#claimChunk(chunk);
  }

  /** Settles each record's claim as soon as its own result is known; resolves when all are. */
  async #claimChunk(chunk: readonly PendingClaim[]): Promise<void> {
    const results = this.store.claimMany(chunk.map((pending) => pending.item));
    results.forEach((result, index) => {
      const { item, resolve, reject } = chunk[index]!;
      result.then((claim) => {
        if (claim.kind === 'claimed') this.#running.add(item.request.owner);
        resolve(claim);
      }, reject);
    });
    await Promise.allSettled(results);
  }

  release(key: string, owner: string): Promise<void> {
    return this.store.release(key, owner);
  }

  markDone(key: string, owner: string, taskId: string, windowSeconds: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item: { key, owner, taskId, windowSeconds }, resolve, reject });
      this.#schedule();
    });
  }

  /** Call once per record when its processing has ended, whatever the outcome; `owner` is its SQS message id. */
  recordSettled(owner: string): void {
    this.#running.delete(owner);
    this.#schedule();
  }

  /** Decides after the current turn, once batch-mates resolved in it have had their say. */
  #schedule(): void {
    this.#check ??= setImmediate(() => {
      this.#check = undefined;
      if (this.#pending.length === 0) return;
      const asked = new Set(this.#pending.map((pending) => pending.item.owner));
      const waiting = [...this.#running].some((owner) => !asked.has(owner));
      if (!waiting || this.#pending.length >= MAX_BATCH_WRITE_ITEMS) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.maxDelayMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    this.#pending = [];
    for (const chunk of distinctKeyChunks(pending, (pending) => pending.item.key, MAX_BATCH_WRITE_ITEMS)) void this.#write(chunk);
  }

  async #write(chunk: readonly PendingMark[]): Promise<void> {
    let retry: ReadonlySet<DoneMark>;
    try {
      // A single mark needs no batch request; unprocessed ones are retried alone below.
      retry = new Set(chunk.length === 1 ? [chunk[0]!.item] : await this.store.markDoneMany(chunk.map((pending) => pending.item)));
    } catch (error) {
      for (const pending of chunk) pending.reject(error);
      return;
    }
    await Promise.all(
      chunk.map(async (pending) => {
        try {
          if (retry.has(pending.item)) await this.#writeOne(pending.item);
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

/** DynamoDB's batch requests reject two requests for one key, and more than `limit` of them. */
function distinctKeyChunks<T>(pending: readonly T[], keyOf: (item: T) => string, limit: number): T[][] {
  const chunks: Array<{ items: T[]; keys: Set<string> }> = [];
  for (const item of pending) {
    const key = keyOf(item);
    let chunk = chunks.find((c) => c.items.length < limit && !c.keys.has(key));
    if (!chunk) {
      chunk = { items: [], keys: new Set() };
      chunks.push(chunk);
    }
    chunk.items.push(item);
    chunk.keys.add(key);
  }
  return chunks.map((c) => c.items);
}
