/**
 * `sms.send` (notifications): sends one text message through an SMS
 * provider that lets each sender number (one per tenant) send one text every
 * 10 s. The limit is a `rateLimit` (docs/design.md#6-limits): a text over it
 * is `deferred` to the tenant's next token instead of failing at the
 * provider. Delivery is a pluggable transport; the default one counts the
 * segments and discards, so the demo and tests run without a provider.
 */
import * as z from 'zod/mini';
import { defineTask } from 'tasklanes';

/** The provider's plan: one text per sender number (tenant) in any 10 s. */
export const SMS_RATE_LIMIT = { limit: 1, perSeconds: 10 } as const;

/** Characters per SMS segment in the GSM-7 alphabet. */
const SEGMENT_CHARACTERS = 160;

export const smsSend = defineTask({
  type: 'sms.send',
  lane: 'notifications',
  description: 'Send one text message, at most one per tenant every 10 s.',
  schema: z.object({
    to: z.string().check(z.regex(/^\+[1-9]\d{6,14}$/)),
    text: z.string().check(z.minLength(1)),
  }),
  rateLimit: SMS_RATE_LIMIT,
  handler: async (payload) => ({ to: payload.to, segments: Math.ceil(payload.text.length / SEGMENT_CHARACTERS) }),
});
