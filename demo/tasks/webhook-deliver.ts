/**
 * `webhook.deliver` (notifications): POSTs an event to a subscriber. 4xx
 * answers are permanent (the subscriber rejected it), 5xx and network errors
 * are retried by the lane.
 */
import { z } from 'zod';
import { defineTask, PermanentError } from 'tasklanes';

export const webhookDeliver = defineTask({
  type: 'webhook.deliver',
  lane: 'notifications',
  description: 'POST one event to a subscriber URL.',
  schema: z.object({
    url: z.url({ protocol: /^https?$/ }),
    event: z.string().min(1),
    data: z.record(z.string(), z.unknown()).default({}),
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
