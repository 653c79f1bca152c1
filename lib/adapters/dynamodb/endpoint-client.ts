import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A client for a local DynamoDB endpoint; the credentials are placeholders the local server ignores. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}
