import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { LeaseStoreError } from '../../errors.js';

/** GSI that lets the sweep query due leases by status and due time (start or expiry) instead of scanning. */
export const STATUS_DUE_INDEX = 'status-dueAt';
/**
 * GSI listing the leases of one ticket, newest last: under `<source>#id:<ticket id>` (its immutable
 * id), or, for leases recorded before leases were filed by id, `<source>#<key>`. See `ticket-index.ts`.
 */
export const TICKET_INDEX = 'ticket-createdAt';

/**
 * The table as `serverless.yml` declares it (a test keeps the two in step). Local mode and tests
 * create it with this; in AWS, CloudFormation does.
 */
export function leaseTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'dueAt', AttributeType: 'S' },
      { AttributeName: 'ticketRef', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: STATUS_DUE_INDEX,
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'dueAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: TICKET_INDEX,
        KeySchema: [
          { AttributeName: 'ticketRef', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** Creates the lease table unless it exists (local mode and tests only). */
export async function ensureLeaseTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand(leaseTableDefinition(tableName)));
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new LeaseStoreError(`table ${tableName} did not become ACTIVE`);
}
