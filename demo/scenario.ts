/**
 * The short demo `npm start` publishes: one or more tasks per outcome the
 * pipeline has (success, retry then success, permanent failure, invalid body,
 * expired, duplicate, coalesced, deferred over a rate limit, timeout of a
 * CPU-bound task), then waits until every task has reached a final outcome.
 */
import { randomUUID } from 'node:crypto';
import type { Outcome } from 'tasklanes';
import type { Publisher } from 'tasklanes/publisher';
import type { OutcomeEvent } from 'tasklanes/local';

/** Outcomes after which SQS will not deliver the task again. */
const FINAL: ReadonlySet<Outcome> = new Set(['succeeded', 'deadLettered', 'expired', 'duplicate', 'coalesced', 'overlapSkipped']);

/** Six weeks: the age of the replayed backlog in incident 000 (docs/incidents.md#000-stale-replay). */
const SIX_WEEKS_MS = 42 * 24 * 60 * 60 * 1000;

/** CPU-bound work far beyond any timeout: the pathological PDF of incident 004 (docs/incidents.md#004-flood). */
const PATHOLOGICAL_PAGES = 1_000_000;
/** Long enough (a fraction of a second) that repeats arrive while it runs. */
const SLOW_PAGES = 1_500;

export interface DemoTask {
  readonly label: string;
  /** Task id, or for a raw body the SQS message id. */
  readonly key: { readonly id: string } | { readonly messageId: string };
  readonly expected: string;
}

export interface DemoDependencies {
  readonly publisher: Publisher;
  /** Sends a raw body to a lane's queue; returns the SQS message id. */
  readonly sendRaw: (lane: string, body: string) => Promise<string>;
  readonly webhookUrl: string;
  /** Waits until the task has an outcome matching the predicate, and returns its outcome history. */
  readonly waitFor: (match: (event: OutcomeEvent) => boolean) => Promise<void>;
}

export const matches = (task: DemoTask) => (event: OutcomeEvent) =>
  'id' in task.key ? event.id === task.key.id : event.messageId === task.key.messageId;

export const isFinal = (event: OutcomeEvent) => FINAL.has(event.outcome);

export async function publishDemo(deps: DemoDependencies): Promise<DemoTask[]> {
  const { publisher } = deps;
  const tasks: DemoTask[] = [];
  const add = (label: string, id: string, expected: string) => tasks.push({ label, key: { id }, expected });
  const orderId = `A-${randomUUID().slice(0, 8)}`;
  const order = { orderId, items: [{ sku: 'ticket', quantity: 2 }] };

  const first = await publisher.publish('order.place', order, { tenant: 'acme' });
  add(`order ${orderId} for acme`, first.id, 'succeeded');
  add(
    `same order id for globex`,
    (await publisher.publish('order.place', order, { tenant: 'globex' })).id,
    'succeeded (dedup keys are per tenant)',
  );
  add(
    'order from a six-week-old backlog',
    (
      await publisher.publish(
        'order.place',
        { orderId: `OLD-${orderId}`, items: [{ sku: 'ticket', quantity: 1 }] },
        { tenant: 'acme', createdAt: new Date(Date.now() - SIX_WEEKS_MS) },
      )
    ).id,
    'expired',
  );
  add(
    'confirmation email',
    (
      await publisher.publish(
        'email.send',
        { to: 'buyer@example.com', template: 'order-confirmation', vars: { orderId } },
        { tenant: 'acme' },
      )
    ).id,
    'succeeded',
  );
  add(
    'email with an unknown template',
    (await publisher.publish('email.send', { to: 'buyer@example.com', template: 'no-such-template' }, { tenant: 'acme' })).id,
    'dead-lettered (permanent)',
  );
  add(
    'webhook, subscriber 503 once',
    (await publisher.publish('webhook.deliver', { url: `${deps.webhookUrl}/hook`, event: 'order.placed' }, { tenant: 'acme' })).id,
    'retried, then succeeded',
  );
  add(
    'webhook, subscriber says 410 Gone',
    (await publisher.publish('webhook.deliver', { url: `${deps.webhookUrl}/gone`, event: 'order.placed' }, { tenant: 'acme' })).id,
    'dead-lettered (permanent)',
  );
  // Two texts of one tenant at once, over sms.send's rate of one per tenant every 10 s (demo/tasks/sms-send.ts):
  // whichever is received first takes the token and the other is deferred to the next, 10 s on. Once, because
  // both are received well within those 10 s (one batch, or the next receive), and its copy comes back at its
  // place rounded up to the second, when the token is there: nothing else sends texts for this tenant.
  const texts = await publisher.publishBatch(
    [1, 2].map((n) => ({
      type: 'sms.send',
      payload: { to: '+15550100', text: `Your order ${orderId} ships today (${n} of 2)` },
      options: { tenant: 'acme' },
    })),
  );
  for (const [i, r] of texts.successful.entries())
    add(`text message ${i + 1} of 2 for acme, sent together`, r.id, 'one sent at once, the other deferred once, then sent');
  const invalid = await deps.sendRaw('default', '{"v":1,"type":"order.place", this is not JSON');
  tasks.push({ label: 'malformed body from a raw SendMessage', key: { messageId: invalid }, expected: 'dead-lettered (invalid)' });
  // Valid JSON with a payload the type's schema refuses: its progress line still names its type, tenant and id.
  const badOrder = {
    v: 1,
    id: randomUUID(),
    type: 'order.place',
    tenant: 'acme',
    createdAt: new Date().toISOString(),
    payload: { orderId },
  };
  await deps.sendRaw('critical', JSON.stringify(badOrder));
  add('order without items, raw SendMessage', badOrder.id, 'dead-lettered (invalid)');
  // The impatient frontend of incident 004: the same export requested three times at once. Published
  // before the lane's other PDFs, so that the first receive's batch holds all three: a repeat left for
  // a later batch would wait out bulk's 5 s batching window and find the export done (a duplicate).
  const exportKey = `export-${orderId}`;
  const repeats = await publisher.publishBatch(
    [1, 2, 3].map(() => ({
      type: 'pdf.render',
      payload: { documentId: 'attendees', pages: SLOW_PAGES },
      options: { tenant: 'acme', dedupKey: exportKey },
    })),
  );
  for (const [i, r] of repeats.successful.entries())
    add(`attendee export, request ${i + 1} of 3`, r.id, i === 0 ? 'one runs' : 'the others coalesced');
  add('PDF, 5 pages', (await publisher.publish('pdf.render', { documentId: 'invoice-1', pages: 5 }, { tenant: 'acme' })).id, 'succeeded');
  add(
    'pathological PDF (spins the CPU)',
    (await publisher.publish('pdf.render', { documentId: 'evil', pages: PATHOLOGICAL_PAGES }, { tenant: 'acme' })).id,
    'timed out, stopped hard; dead-lettered after its attempts',
  );
  // A repeat of the first order once it is done: a duplicate.
  await deps.waitFor((event) => event.id === first.id && isFinal(event));
  add(`order ${orderId} for acme, again`, (await publisher.publish('order.place', order, { tenant: 'acme' })).id, 'duplicate');
  return tasks;
}
