/**
 * The single DynamoDB table. Its key schema and GSIs come from `lib/storage/table-keys.ts`'s `tableDefinition`,
 * the very definition the embedded backend creates its table from, so the two cannot drift.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { tableDefinition } from '../lib/storage/table-keys.ts';

export interface KeyDesign {
  partitionKey: string;
  sortKey: string;
}

export interface TableDesign extends KeyDesign {
  gsis: (KeyDesign & { indexName: string })[];
}

/** The table's keys and GSIs, read off the backend's own table definition. */
export function tableDesign(): TableDesign {
  const def = tableDefinition('ferry');
  const keysOf = (schema: { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined): KeyDesign => {
    const hash = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const range = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    if (!hash || !range) throw new Error('lib/storage/table-keys.ts: every key schema has a HASH and a RANGE attribute');
    return { partitionKey: hash, sortKey: range };
  };
  const typeOf = new Map(def.AttributeDefinitions?.map((a) => [a.AttributeName, a.AttributeType]));
  const design: TableDesign = {
    ...keysOf(def.KeySchema),
    gsis: (def.GlobalSecondaryIndexes ?? []).map((gsi) => {
      if (gsi.Projection?.ProjectionType !== 'ALL') throw new Error(`lib/storage/table-keys.ts: GSI ${gsi.IndexName} must project ALL (the stack only builds that)`);
      return { indexName: gsi.IndexName!, ...keysOf(gsi.KeySchema) };
    }),
  };
  for (const attr of [design, ...design.gsis].flatMap((k) => [k.partitionKey, k.sortKey])) {
    if (typeOf.get(attr) !== 'S') throw new Error(`lib/storage/table-keys.ts: key attribute ${attr} must be a string (S)`);
  }
  return design;
}

/** Creates the table: on-demand, point-in-time recovery, retained when the stack is destroyed. */
export function createTable(scope: Construct): Table {
  const design = tableDesign();
  const table = new Table(scope, 'Table', {
    partitionKey: { name: design.partitionKey, type: AttributeType.STRING },
    sortKey: { name: design.sortKey, type: AttributeType.STRING },
    // On demand: an uploader's traffic comes in bursts (a folder dropped at once) then nothing.
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    // The records are the only index of what is in the bucket; `cdk destroy` must not lose them.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const gsi of design.gsis) {
    table.addGlobalSecondaryIndex({
      indexName: gsi.indexName,
      partitionKey: { name: gsi.partitionKey, type: AttributeType.STRING },
      sortKey: { name: gsi.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
  return table;
}
