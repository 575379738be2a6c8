/**
 * Stand-in for `@aws-sdk/util-dynamodb`, a peer dependency of Powertools
 * idempotency that this repository does not install (and the bench may not
 * install). Powertools' DynamoDB persistence layer needs only `marshall`
 * and `unmarshall` of plain records (strings, numbers, booleans, null,
 * lists, maps); these follow the SDK's mapping for those types. Remove this
 * and peer/resolve-shim.ts once the package is a devDependency.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export class UnsupportedValueError extends Error {
  override readonly name = 'UnsupportedValueError';
}

export interface MarshallOptions {
  readonly removeUndefinedValues?: boolean;
}

function toAttribute(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Uint8Array) return { B: value };
  if (Array.isArray(value)) return { L: value.map((item) => toAttribute(item) ?? { NULL: true }) };
  if (typeof value === 'object') return { M: marshall(value as Record<string, unknown>) };
  throw new UnsupportedValueError(`cannot marshall a ${typeof value}`);
}

export function marshall(record: Record<string, unknown>, _options: MarshallOptions = {}): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(record)) {
    const attribute = toAttribute(value);
    if (attribute) item[key] = attribute;
  }
  return item;
}

function fromAttribute(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.B !== undefined) return attribute.B;
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  if (attribute.M !== undefined) return unmarshall(attribute.M);
  if (attribute.SS !== undefined) return new Set(attribute.SS);
  if (attribute.NS !== undefined) return new Set(attribute.NS.map(Number));
  throw new UnsupportedValueError(`cannot unmarshall ${JSON.stringify(attribute)}`);
}

export function unmarshall(item: Record<string, AttributeValue>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, attribute] of Object.entries(item)) record[key] = fromAttribute(attribute);
  return record;
}
