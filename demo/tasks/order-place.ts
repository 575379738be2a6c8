/** `order.place` (critical): confirms an order a shopper is waiting for. */
import * as z from 'zod/mini';
import { defineTask } from 'tasklanes';

export const orderPlace = defineTask({
  type: 'order.place',
  lane: 'critical',
  description: 'Reserve stock and confirm an order.',
  schema: z.object({
    orderId: z.string().check(z.minLength(1)),
    items: z.array(z.object({ sku: z.string().check(z.minLength(1)), quantity: z.int().check(z.positive()) })).check(z.minLength(1)),
  }),
  dedupKey: (payload) => `order-${payload.orderId}`,
  handler: async (payload) => ({
    orderId: payload.orderId,
    units: payload.items.reduce((sum, item) => sum + item.quantity, 0),
  }),
});
