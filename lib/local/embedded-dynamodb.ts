import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from '../adapters/dynamodb/endpoint-client.js';

export { localDynamoDbClient };

export interface EmbeddedDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** TCP connections accepted so far (what keep-alive saves). */
  connections(): number;
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
  // dynalite answers browsers' CORS checks for any site and takes any signature: on a fixed port, any
  // web page the operator opens could read and change leases. AWS clients send no Origin; browsers
  // always do on cross-site requests: refuse those.
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.origin !== undefined) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('kube-lease: the local store does not answer browsers\n');
      return;
    }
    for (const handler of handlers) handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  const { port: actual } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${actual}`;
  return {
    endpoint,
    client: localDynamoDbClient(endpoint),
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}
