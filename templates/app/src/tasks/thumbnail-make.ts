/** `thumbnail.make`: one task type, in its own file. Throw PermanentError for what a retry cannot fix. */
import { defineTask, PermanentError } from 'tasklanes';
import * as z from 'zod'; // a namespace import: esbuild keeps only what the schemas use

export const thumbnailMake = defineTask({
  type: 'thumbnail.make',
  lane: 'default',
  schema: z.object({ imageId: z.string().min(1), width: z.number().int().positive().max(4096) }),
  dedupKey: (payload) => `${payload.imageId}-${payload.width}`,
  handler: async (payload, { signal }) => {
    // Pass `signal` to fetch() and SDK calls: it fires at the task's timeout.
    if (signal.aborted) throw new Error('timed out before it started');
    if (payload.imageId.startsWith('missing-')) throw new PermanentError(`no image ${payload.imageId}`);
    return { imageId: payload.imageId, width: payload.width };
  },
});
