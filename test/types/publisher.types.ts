/**
 * Compile-time checks of the typed publisher, run by `tsc` (the first step of
 * `npm test`): each `@ts-expect-error` fails the build if the error it
 * expects disappears. Never executed.
 */
import type { Publisher } from '../../src/publisher/index.ts';
import type { TaskPayloads } from '../../demo/tasks/index.ts';

export async function typedPublisherChecks(publisher: Publisher<TaskPayloads>): Promise<void> {
  await publisher.publish('email.send', { to: 'a@b.example', template: 'order-confirmation' }, { tenant: 'acme' });
  await publisher.publish('order.place', { orderId: 'A-1', items: [{ sku: 'x', quantity: 1 }] }, { tenant: 'acme' });
  // @ts-expect-error: no such task type
  await publisher.publish('email.sned', { to: 'a@b.example', template: 'x' }, { tenant: 'acme' });
  // @ts-expect-error: the payload of another type
  await publisher.publish('email.send', { orderId: 'A-1', items: [] }, { tenant: 'acme' });
  // @ts-expect-error: tenant is required
  await publisher.publish('pdf.render', { documentId: 'd', pages: 1 }, {});
  await publisher.publishBatch([
    { type: 'pdf.render', payload: { documentId: 'd', pages: 2 }, options: { tenant: 'acme' } },
    // @ts-expect-error: a batch entry's payload must match its type
    { type: 'pdf.render', payload: { to: 'a@b.example', template: 'x' }, options: { tenant: 'acme' } },
  ]);
}
