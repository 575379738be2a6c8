/**
 * DynamoDB capacity units by AWS's published rules, for the requests whose
 * response carries no `ConsumedCapacity` (a failed conditional write is
 * billed, but its error says nothing about it):
 * - write: 1 WCU per started KB of the larger of the old and the new item;
 * - strongly consistent read: 1 RCU per started 4 KB (eventual: half).
 * Item size: attribute name lengths plus value sizes (UTF-8 strings, numbers
 * about one byte per two digits plus one), per the DynamoDB developer guide.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const WRITE_UNIT_BYTES = 1024;
const READ_UNIT_BYTES = 4 * 1024;
/** Fixed overhead AWS adds per list or map attribute value. */
const CONTAINER_OVERHEAD_BYTES = 3;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + valueSize({ N: n }), 0);
  if (value.L !== undefined) return CONTAINER_OVERHEAD_BYTES + value.L.reduce((sum, v) => sum + valueSize(v) + 1, 0);
  if (value.M !== undefined) return CONTAINER_OVERHEAD_BYTES + itemSize(value.M) + Object.keys(value.M).length;
  return 0;
}

export function itemSize(item: Readonly<Record<string, AttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8(name) + valueSize(value);
  return bytes;
}

export function writeUnits(...items: ReadonlyArray<Readonly<Record<string, AttributeValue>> | undefined>): number {
  const largest = Math.max(0, ...items.map((item) => (item ? itemSize(item) : 0)));
  return Math.max(1, Math.ceil(largest / WRITE_UNIT_BYTES));
}

export function readUnits(item: Readonly<Record<string, AttributeValue>> | undefined, consistent: boolean): number {
  const units = Math.max(1, Math.ceil((item ? itemSize(item) : 0) / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}
