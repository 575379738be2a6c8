/**
 * The v1 message contract (docs/design.md#message-envelope-v1): one zod
 * schema, and the envelope type inferred from it. The publisher builds
 * bodies against it and the consumer parses them with it, so the two
 * cannot drift apart.
 */
import { z } from 'zod';

export const ENVELOPE_VERSION = 1;

/**
 * Keys and dimensions must be well-formed Unicode: an unpaired surrogate (a
 * body that was not valid UTF-8 or UTF-16 before it was escaped) may be
 * replaced by a store, merging two tenants' keys into one (incident 003,
 * docs/incidents.md#003-tenants-same-keys).
 */
const wellFormed = (schema: z.ZodString) => schema.regex(/^\P{Cs}*$/u, 'must be well-formed Unicode (no unpaired surrogates)');

/**
 * The tenant is also the message's SQS `MessageGroupId`, which SQS accepts
 * only as A-Z, a-z, 0-9 and the ASCII punctuation !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
 * (no space, nothing beyond ASCII). `#` is left out: it separates the parts
 * of a dedup key, so no tenant's keys can run into another's (incident 003).
 * An ASCII-only tenant is well-formed Unicode by construction.
 */
const TENANT_CHARACTERS = /^[A-Za-z0-9!"$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+$/;

/** Longest `id`, `type`, `tenant` and `dedupKey`, in UTF-16 code units. */
export const ENVELOPE_FIELD_LIMITS = { id: 128, type: 80, tenant: 128, dedupKey: 512 } as const;

export const envelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  id: wellFormed(z.string().min(1).max(ENVELOPE_FIELD_LIMITS.id)),
  type: wellFormed(z.string().min(1).max(ENVELOPE_FIELD_LIMITS.type)),
  tenant: z
    .string()
    .min(1)
    .max(ENVELOPE_FIELD_LIMITS.tenant)
    .regex(TENANT_CHARACTERS, 'must be A-Z, a-z, 0-9 or ASCII punctuation other than "#" (what SQS accepts as a MessageGroupId)'),
  dedupKey: wellFormed(z.string().min(1).max(ENVELOPE_FIELD_LIMITS.dedupKey)).optional(),
  createdAt: z.iso.datetime({ offset: true }),
  notAfter: z.iso.datetime({ offset: true }).optional(),
  payload: z.unknown(),
});

/** The validated v1 envelope, as the handler sees it: `payload` is the type's parsed payload. */
export type TaskEnvelope<P = unknown> = Omit<z.output<typeof envelopeSchema>, 'payload'> & { readonly payload: P };

/** A schema failure in one line, for the error an operator or app developer reads. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
