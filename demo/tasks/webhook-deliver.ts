/**
 * `webhook.deliver` (notifications): POSTs an event to a subscriber. 4xx
 * answers are permanent (the subscriber rejected it), 5xx and network errors
 * are retried by the lane.
 */
import * as z from 'zod/mini';
import { defineTask, PermanentError } from 'tasklanes';

export const webhookDeliver = defineTask({
  type: 'webhook.deliver',
  lane: 'notifications',
  description: 'POST one event to a subscriber URL.',
  schema: z.object({
    url: z.url({ protocol: /^https?$/ }),
    event: z.string().check(z.minLength(1)),
    data: z._default(z.record(z.string(), z.unknown()), {}),
  }),
  handler: async (payload, { signal, envelope }) => {
    const response = await fetch(payload.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tasklanes-id': envelope.id },
      body: JSON.stringify({ event: payload.event, data: payload.data }),
      signal,
    });
    if (response.status >= 400 && response.status < 500) {
      throw new PermanentError(`subscriber answered ${response.status}`);
    }
    if (!response.ok) throw new Error(`subscriber answered ${response.status}`);
    return { status: response.status };
  },
});
