/** The dedup table on its own (no lanes, no bundling): key and TTL from the definition, on demand, PITR, protection configurable. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEDUP_TABLE_SCHEMA } from '../../src/definition/environment.ts';
import { DedupTable } from '../../src/cdk/dedup-table.ts';
import { DEFAULT_OPTIONS } from '../../src/cdk/options.ts';

function tableOf(options = DEFAULT_OPTIONS.dedupTable) {
  const stack = new Stack(new App(), 'T');
  new DedupTable(stack, 'Dedup', options);
  const tables = Template.fromStack(stack).findResources('AWS::DynamoDB::Table');
  assert.equal(Object.keys(tables).length, 1);
  return Object.values(tables)[0] as { Properties: Record<string, any>; DeletionPolicy: string };
}

test('key and TTL attribute the runtime uses, on demand, point-in-time recovery', () => {
  const { Properties } = tableOf();
  assert.deepEqual(Properties.KeySchema, [{ AttributeName: DEDUP_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }]);
  assert.deepEqual(Properties.AttributeDefinitions, [{ AttributeName: DEDUP_TABLE_SCHEMA.partitionKey, AttributeType: 'S' }]);
  assert.deepEqual(Properties.TimeToLiveSpecification, { AttributeName: DEDUP_TABLE_SCHEMA.ttlAttribute, Enabled: true });
  assert.equal(Properties.BillingMode, 'PAY_PER_REQUEST');
  assert.deepEqual(Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
});

test('deletion protection and retain by default: the table stops replays from re-running finished work', () => {
  const table = tableOf();
  assert.equal(table.Properties.DeletionProtectionEnabled, true);
  assert.equal(table.DeletionPolicy, 'Retain');
});

test('both configurable, for throwaway stacks', () => {
  const table = tableOf({ deletionProtection: false, removalPolicy: RemovalPolicy.DESTROY });
  assert.equal(table.Properties.DeletionProtectionEnabled, false);
  assert.equal(table.DeletionPolicy, 'Delete');
});
