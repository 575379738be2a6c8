/**
 * `pdf.render` (bulk): CPU-bound page layout. A pathological document (the
 * one in incident 004, docs/incidents.md#004-flood) can spin for minutes
 * without ever yielding, so this type lives in the `bulk` lane, whose tasks
 * run in worker threads that are terminated at the timeout.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { defineTask } from 'tasklanes';

export const pdfRender = defineTask({
  type: 'pdf.render',
  lane: 'bulk',
  description: 'Lay out and render a PDF document.',
  schema: z.object({
    documentId: z.string().check(z.minLength(1)),
    pages: z.int().check(z.positive(), z.maximum(1_000_000)),
  }),
  timeoutSeconds: 120,
  handler: (payload) => {
    // Synchronous on purpose: real layout engines do not check an AbortSignal.
    let digest = Buffer.alloc(32);
    for (let page = 0; page < payload.pages * 200; page++) {
      digest = createHash('sha256').update(digest).digest();
    }
    return { documentId: payload.documentId, digest: digest.toString('hex').slice(0, 16) };
  },
});
