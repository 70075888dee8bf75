import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, type ITableV2, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TABLE } from '../functions/store/schema';

/**
 * The one table (docs/architecture.md "Data model"): on demand, TTL, the sessions index, PITR, kept
 * on delete. After a point-in-time restore (a new table) the stack adopts the restored one by name
 * (docs/operations.md "Restore the table"); its own table is then no longer managed, and is kept.
 */
export function table(
  scope: Construct,
  { removalPolicy, adoptTableName }: { removalPolicy: RemovalPolicy; adoptTableName?: string },
): ITableV2 {
  if (adoptTableName) return TableV2.fromTableName(scope, 'AdoptedTable', adoptTableName);
  return new TableV2(scope, 'Table', {
    partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
    sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
    billing: Billing.onDemand(),
    timeToLiveAttribute: TABLE.ttlAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    removalPolicy,
    globalSecondaryIndexes: [
      {
        indexName: TABLE.userSessionsIndex,
        partitionKey: { name: TABLE.indexPartitionKey, type: AttributeType.STRING },
        sortKey: { name: TABLE.indexSortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.KEYS_ONLY,
      },
    ],
  });
}
