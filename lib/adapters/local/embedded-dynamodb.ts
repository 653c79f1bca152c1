import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface EmbeddedDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

/**
 * A DynamoDB-protocol server in this process (dynalite on LevelDB), persisted under `dataDir`
 * or kept in memory when it is undefined. For local mode and tests only; never bundled for Lambda.
 */
export async function startEmbeddedDynamoDb(dataDir: string | undefined, port = 0): Promise<EmbeddedDynamoDb> {
  const { default: dynalite } = await import('dynalite');
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${actual}`;
  return {
    endpoint,
    client: localDynamoDbClient(endpoint),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/** A client for a local DynamoDB endpoint; the credentials are placeholders the local server ignores. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}
