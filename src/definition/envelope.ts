/**
 * The v1 message contract (docs/design.md#message-envelope-v1): one zod
 * schema, and the envelope type inferred from it. The publisher builds
 * bodies against it and the consumer parses them with it, so the two
 * cannot drift apart. Written with zod/mini (zod's schemas and checks as
 * functions) and imported as a namespace, so that a bundler keeps only what
 * this schema uses: about 19 KB of the consumer bundle where zod's classic
 * API, or a named `{ z }` import, keeps all of it (over 400 KB; issue 17).
 * Payload schemas are the app's choice (standard-schema.ts).
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { StandardSchemaIssue } from './standard-schema.ts';

// zod/mini loads no locale (classic zod does, at its first schema): without one every reason reads
// "Invalid input". An app's own choice of locale, set before or after, is kept.
if (!z.config().localeError) z.config(en());

export const ENVELOPE_VERSION = 1;

/**
 * Keys and dimensions must be well-formed Unicode: an unpaired surrogate (a
 * body that was not valid UTF-8 or UTF-16 before it was escaped) may be
 * replaced by a store, merging two tenants' keys into one (incident 003,
 * docs/incidents.md#003-tenants-same-keys).
 */
const WELL_FORMED = z.regex(/^\P{Cs}*$/u, 'must be well-formed Unicode (no unpaired surrogates)');

/** A well-formed string of 1..max UTF-16 code units. */
const field = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), WELL_FORMED);

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
  id: field(ENVELOPE_FIELD_LIMITS.id),
  type: field(ENVELOPE_FIELD_LIMITS.type),
  tenant: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(ENVELOPE_FIELD_LIMITS.tenant),
      z.regex(TENANT_CHARACTERS, 'must be A-Z, a-z, 0-9 or ASCII punctuation other than "#" (what SQS accepts as a MessageGroupId)'),
    ),
  dedupKey: z.optional(field(ENVELOPE_FIELD_LIMITS.dedupKey)),
  createdAt: z.iso.datetime({ offset: true }),
  notAfter: z.optional(z.iso.datetime({ offset: true })),
  payload: z.unknown(),
});

/** The validated v1 envelope, as the handler sees it: `payload` is the type's parsed payload. */
export type TaskEnvelope<P = unknown> = Omit<z.output<typeof envelopeSchema>, 'payload'> & { readonly payload: P };

/** A schema failure in one line, for the error an operator or app developer reads: a ZodError, or any Standard Schema failure. */
export function describeIssues(failure: { readonly issues: ReadonlyArray<StandardSchemaIssue> }): string {
  return failure.issues
    .slice(0, 5)
    .map((issue) => {
      const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment));
      return `${path.length ? path.join('.') : '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
