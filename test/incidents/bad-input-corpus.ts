/**
 * A generated corpus of malformed message bodies, each with the reason the
 * consumer must give when it dead-letters it. Bodies are distinct, so each
 * letter read back from the DLQ identifies its case.
 */
import { randomUUID } from 'node:crypto';
import { MAX_MESSAGE_BYTES } from '../../src/definition/limits.ts';

export interface BadInput {
  readonly name: string;
  readonly body: string;
  /** Matches the `tasklanes-error` attribute of its letter. */
  readonly error: RegExp;
}

/** Deep enough to break a recursive parser or validator. */
const NESTING_DEPTH = 100_000;
/** Room left under the SQS limit: less than the letter's attributes take in full, so the error text must be shortened. */
const NEAR_LIMIT_ROOM_BYTES = 200;

const valid = () => ({
  v: 1,
  id: randomUUID(),
  type: 'notify.email',
  tenant: 'acme',
  createdAt: new Date().toISOString(),
  payload: { to: 'someone@example.com' },
});
const envelope = (change: (e: Record<string, unknown>) => void): string => {
  const e: Record<string, unknown> = valid();
  change(e);
  return JSON.stringify(e);
};
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

export function badInputCorpus(): BadInput[] {
  return [
    // Not JSON.
    { name: 'plain text', body: 'send the invoice please', error: /not valid JSON/ },
    { name: 'truncated JSON', body: JSON.stringify(valid()).slice(0, 40), error: /not valid JSON/ },
    { name: 'XML', body: '<task><type>notify.email</type></task>', error: /not valid JSON/ },
    { name: 'JSON null', body: 'null', error: /must be a JSON object/ },
    { name: 'JSON number', body: '42', error: /must be a JSON object/ },
    { name: 'JSON string', body: '"notify.email"', error: /must be a JSON object/ },
    { name: 'JSON array', body: `[${JSON.stringify(valid())}]`, error: /must be a JSON object/ },
    // Huge.
    {
      name: 'huge: non-JSON body just under the SQS limit',
      body: 'x'.repeat(MAX_MESSAGE_BYTES - NEAR_LIMIT_ROOM_BYTES),
      error: /not valid JSON/,
    },
    {
      name: 'huge: valid envelope, payload far over its schema',
      body: envelope((e) => (e.payload = { to: 5, junk: 'y'.repeat(MAX_MESSAGE_BYTES / 2) })),
      error: /invalid payload for "notify.email": to/,
    },
    // Deeply nested.
    {
      name: 'deeply nested arrays',
      body: '['.repeat(NESTING_DEPTH) + ']'.repeat(NESTING_DEPTH),
      error: /not valid JSON|must be a JSON object/,
    },
    {
      name: 'deeply nested payload',
      body: envelope((e) => (e.payload = '@')).replace('"@"', nestedObject(NESTING_DEPTH)),
      error: /not valid JSON|invalid payload/,
    },
    // Wrong types.
    { name: 'v as a string', body: envelope((e) => (e.v = '1')), error: /unknown envelope version "1"/ },
    { name: 'id as a number', body: envelope((e) => (e.id = 12345)), error: /invalid envelope: id/ },
    { name: 'tenant as a number', body: envelope((e) => (e.tenant = 42)), error: /invalid envelope: tenant/ },
    { name: 'type as an array', body: envelope((e) => (e.type = ['notify.email'])), error: /invalid envelope: type/ },
    { name: 'createdAt as epoch millis', body: envelope((e) => (e.createdAt = Date.now())), error: /invalid envelope: createdAt/ },
    { name: 'payload as a string', body: envelope((e) => (e.payload = 'someone@example.com')), error: /invalid payload/ },
    {
      name: 'payload field of the wrong type',
      body: envelope((e) => (e.payload = { to: ['a', 'b'] })),
      error: /invalid payload for "notify.email": to/,
    },
    { name: 'dedupKey as an object', body: envelope((e) => (e.dedupKey = { order: 1 })), error: /invalid envelope: dedupKey/ },
    // Unknown version or type.
    { name: 'version 2', body: envelope((e) => (e.v = 2)), error: /unknown envelope version 2/ },
    { name: 'version 0', body: envelope((e) => (e.v = 0)), error: /unknown envelope version 0/ },
    { name: 'no version', body: envelope((e) => delete e.v), error: /unknown envelope version null/ },
    { name: 'unknown type', body: envelope((e) => (e.type = 'notify.fax')), error: /unknown task type "notify.fax"/ },
    // Missing tenant.
    { name: 'missing tenant', body: envelope((e) => delete e.tenant), error: /invalid envelope: tenant/ },
    { name: 'empty tenant', body: envelope((e) => (e.tenant = '')), error: /invalid envelope: tenant/ },
    { name: 'tenant with the key separator', body: envelope((e) => (e.tenant = 'acme#evil')), error: /invalid envelope: tenant/ },
    // Not UTF-8: SQS carries only Unicode text, so broken encodings arrive as mis-decoded bytes or unpaired surrogates.
    {
      name: 'Latin-1 bytes with a byte-order mark',
      body: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x22, 0x00]).toString('latin1'),
      error: /not valid JSON/,
    },
    { name: 'UTF-16 decoded as UTF-8', body: Buffer.from(JSON.stringify(valid()), 'utf16le').toString('utf8'), error: /not valid JSON/ },
    { name: 'unpaired surrogate in the tenant', body: envelope((e) => (e.tenant = 'acme-\ud800')), error: /invalid envelope: tenant/ },
    {
      name: 'unpaired surrogate in the dedup key',
      body: envelope((e) => (e.dedupKey = 'order-\udfff-1')),
      error: /invalid envelope: dedupKey/,
    },
  ];
}
