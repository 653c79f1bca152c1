import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { makeLeaseHistoryReader } from '../adapters/dynamodb/lease-history-reader.js';
import { localDynamoDbClient } from '../adapters/local/embedded-dynamodb.js';
import { ConfigError } from '../errors.js';
import type { LeaseHistory } from '../ports/lease-history.js';

/** Credentials in an endpoint URL would end up in error messages. */
function withoutCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username === '' && parsed.password === '';
  } catch {
    return true; // the URL check itself reports it
  }
}

/** The only settings a report needs: which table, where. Defaults as for the functions. */
const tableEnv = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  LEASES_TABLE: z.string().min(3).default('kube-lease-leases'),
  DYNAMODB_ENDPOINT: z.url({ protocol: /^https?$/ }).refine(withoutCredentials, 'must not contain a user name or password').optional(),
});

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
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = tableEnv.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`invalid environment:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`, { cause: parsed.error });
  }
  const e = parsed.data;
  const client = e.DYNAMODB_ENDPOINT === undefined ? new DynamoDBClient({ region: e.AWS_REGION }) : localDynamoDbClient(e.DYNAMODB_ENDPOINT);
  return {
    history: makeLeaseHistoryReader({ client, tableName: e.LEASES_TABLE }),
    table: e.LEASES_TABLE,
    close: () => client.destroy(),
  };
}
