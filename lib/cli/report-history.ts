import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from '../adapters/dynamodb/endpoint-client.js';
import { makeLeaseHistoryReader } from '../adapters/dynamodb/lease-history-reader.js';
import { loadStoreConfig } from '../config.js';
import type { LeaseHistory } from '../ports/lease-history.js';

/** A lease history to read, and the client to let go of afterwards. */
export interface ReportHistorySource {
  readonly history: LeaseHistory;
  readonly table: string;
  close(): void;
}

/**
 * The CLI's composition for `report`: the lease table named by `AWS_REGION` and `LEASES_TABLE`
 * (AWS credentials from the default chain), or the local DynamoDB endpoint `DYNAMODB_ENDPOINT`.
 * Needs neither the catalog nor the ticket systems' settings.
 *
 * @throws ConfigError naming each variable that is wrong
 */
export function reportHistoryFromEnv(env: NodeJS.ProcessEnv): ReportHistorySource {
  const config = loadStoreConfig(env);
  const client = config.dynamodbEndpoint === undefined ? new DynamoDBClient({ region: config.region }) : localDynamoDbClient(config.dynamodbEndpoint);
  return {
    history: makeLeaseHistoryReader({ client, tableName: config.leasesTable }),
    table: config.leasesTable,
    close: () => client.destroy(),
  };
}
