/**
 * `email.send` (notifications): renders a transactional email. Delivery is a
 * pluggable transport; the default one renders and discards, so the demo and
 * tests run without a mail server.
 */
import * as z from 'zod/mini';
import { defineTask, PermanentError } from 'tasklanes';

const TEMPLATES = {
  'order-confirmation': (vars: Record<string, string>) => `Thank you for order ${vars.orderId ?? ''}.`,
  'password-reset': (vars: Record<string, string>) => `Reset your password: ${vars.link ?? ''}`,
} as const;

export const emailSend = defineTask({
  type: 'email.send',
  lane: 'notifications',
  description: 'Render and send one transactional email.',
  schema: z.object({
    to: z.email(),
    template: z.string().check(z.minLength(1)),
    vars: z._default(z.record(z.string(), z.string()), {}),
  }),
  handler: async (payload) => {
    const render = TEMPLATES[payload.template as keyof typeof TEMPLATES];
    // An unknown template will never render, however often it is retried.
    if (!render) throw new PermanentError(`unknown email template "${payload.template}"`);
    return { to: payload.to, bytes: Buffer.byteLength(render(payload.vars)) };
  },
});
