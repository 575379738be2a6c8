/**
 * The one dedup table every lane's consumer claims tasks in. Its key and TTL
 * attribute come from the definition, so the runtime and the table cannot
 * disagree about them.
 */
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEDUP_TABLE_SCHEMA } from '../definition/environment.ts';
import type { DedupTableOptions } from './options.ts';

/**
 * The item operations of a claim, its release and its `done` marks; nothing
 * else (no Scan, no Query). A batch's claims are PartiQL INSERTs in one
 * BatchExecuteStatement (authorized per statement as PartiQLInsert), the keys
 * they find taken are read with BatchGetItem, and its marks are one BatchWriteItem.
 */
export const DEDUP_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * What the limits (docs/design.md#6-limits) add to a consumer whose lane
 * uses them: UpdateItem, on the limit records only (their keys start with
 * `#limit#`; task keys never start with `#`). Taking and giving back a
 * slot and a rate's token are conditional UpdateItems; the reads and the
 * first record's PutItem are in DEDUP_ACTIONS already.
 */
export const LIMIT_ACTIONS = ['dynamodb:UpdateItem'] as const;
/** The leading-key pattern LIMIT_ACTIONS are confined to (src/definition/task-limits.ts, limitRecordKey). */
export const LIMIT_KEY_PATTERN = '#limit#*';

export class DedupTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, options: DedupTableOptions) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: DEDUP_TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      // On demand: claims follow the task rate, which is bursty by nature.
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: DEDUP_TABLE_SCHEMA.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: options.deletionProtection,
      removalPolicy: options.removalPolicy,
    });
  }

  grantClaims(grantee: IGrantable): void {
    this.table.grant(grantee, ...DEDUP_ACTIONS);
  }

  /** LIMIT_ACTIONS on the limit records, for a consumer whose lane has limits. */
  grantLimits(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...LIMIT_ACTIONS],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [LIMIT_KEY_PATTERN] } },
      }),
    );
  }
}
