/**
 * The deferred copies of one batch share SendMessageBatch requests
 * (docs/design.md#6-limits): a flood's batch of ten over its limit is one
 * send, not ten. Copies asked for in the same turn of the event loop go out
 * together, at most 10 per request and within SQS's 1 MiB per request; a
 * lone copy is a plain SendMessage. Each copy's promise settles with its
 * own entry's answer, so a copy SQS refused fails only its own record (which
 * is then retried, the original never acknowledged).
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { copyMessage, sendDeferredCopy, type DeferRequest } from './deferral.ts';

/** SendMessageBatch takes at most 10 entries. */
const MAX_ENTRIES = 10;
/** ...and at most 1 MiB of bodies and attributes in all. */
const MAX_BATCH_BYTES = 1024 * 1024;

/** SQS refused one entry of a batch. */
export class DeferralSendError extends Error {
  readonly code: string;
  override readonly name = 'DeferralSendError';
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

interface Pending {
  readonly request: DeferRequest;
  readonly bytes: number;
  resolve(messageId: string | undefined): void;
  reject(error: unknown): void;
}

const entryBytes = (entry: Omit<SendMessageBatchRequestEntry, 'Id'>) =>
  Buffer.byteLength(entry.MessageBody ?? '') +
  Object.entries(entry.MessageAttributes ?? {}).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? ''),
    0,
  );

export class DeferralBatcher {
  #pending: Pending[] = [];

  /** Same contract as sendDeferredCopy; every request of one batcher goes to one queue through one client. */
  readonly send = (request: DeferRequest): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => this.#flush());
      this.#pending.push({ request, bytes: entryBytes(copyMessage(request)), resolve, reject });
    });

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    const groups: Pending[][] = [];
    let group: Pending[] = [];
    let bytes = 0;
    for (const entry of pending) {
      if (group.length === MAX_ENTRIES || (group.length > 0 && bytes + entry.bytes > MAX_BATCH_BYTES)) {
        groups.push(group);
        group = [];
        bytes = 0;
      }
      group.push(entry);
      bytes += entry.bytes;
    }
    if (group.length > 0) groups.push(group);
    for (const entries of groups) void this.#sendGroup(entries);
  }

  async #sendGroup(entries: readonly Pending[]): Promise<void> {
    if (entries.length === 1) {
      const [only] = entries as [Pending];
      await sendDeferredCopy(only.request).then(only.resolve, only.reject);
      return;
    }
    const { sqs, queueUrl } = entries[0]!.request;
    try {
      const { Successful, Failed } = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((entry, index) => ({ Id: String(index), ...copyMessage(entry.request) })),
        }),
      );
      const sent = new Map((Successful ?? []).map((result) => [result.Id, result.MessageId]));
      const failed = new Map((Failed ?? []).map((result) => [result.Id, result]));
      entries.forEach((entry, index) => {
        const id = String(index);
        const refusal = failed.get(id);
        if (sent.has(id)) entry.resolve(sent.get(id));
        else entry.reject(new DeferralSendError(refusal?.Code ?? 'Missing', refusal?.Message ?? 'no answer for this entry'));
      });
    } catch (error) {
      for (const entry of entries) entry.reject(error);
    }
  }
}
