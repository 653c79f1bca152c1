import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FileEvidenceMac } from '../adapters/evidence-mac/file-evidence-mac.js';
import { kmsKeyRegion, KmsEvidenceMac } from '../adapters/evidence-mac/kms-evidence-mac.js';
import { KMSClient } from '@aws-sdk/client-kms';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import { localDynamoDbClient } from '../adapters/dynamodb/endpoint-client.js';
import { makeLeaseHistoryReader } from '../adapters/dynamodb/lease-history-reader.js';
import { loadStoreConfig } from '../config.js';
import type { LeaseHistory } from '../ports/lease-history.js';

/** A lease history to read, and the client to let go of afterwards. */
export interface ReportHistorySource {
  readonly history: LeaseHistory;
  readonly table: string;
  /** The key evidence seals are verified with (EVIDENCE_KMS_KEY_ID or EVIDENCE_KEY_FILE); undefined: none configured. */
  readonly evidenceMac: EvidenceMac | undefined;
  close(): void;
}

/**
 * The CLI's composition for `report`: the lease table named by `AWS_REGION` and `LEASES_TABLE`
 * (AWS credentials from the default chain), or the local DynamoDB endpoint `DYNAMODB_ENDPOINT`.
 * Needs neither the catalog nor the ticket systems' settings. The evidence key, when set, is the
 * KMS key (VerifyMac with the caller's credentials) or local mode's key file.
 *
 * @throws ConfigError naming each variable that is wrong
 */
export function reportHistoryFromEnv(env: NodeJS.ProcessEnv): ReportHistorySource {
  const config = loadStoreConfig(env);
  const client = config.dynamodbEndpoint === undefined ? new DynamoDBClient({ region: config.region }) : localDynamoDbClient(config.dynamodbEndpoint);
  const key = config.evidenceKey;
  const kms = key?.kind === 'kms' ? new KMSClient({ region: kmsKeyRegion(key.keyId, config.region), ...(key.endpoint === undefined ? {} : { endpoint: key.endpoint }) }) : undefined;
  return {
    history: makeLeaseHistoryReader({ client, tableName: config.leasesTable }),
    table: config.leasesTable,
    evidenceMac:
      key?.kind === 'file'
        ? new FileEvidenceMac(key.path)
        : key?.kind === 'kms' && kms !== undefined
          ? new KmsEvidenceMac(kms, key.keyId)
          : undefined,
    close: () => {
      client.destroy();
      kms?.destroy();
    },
  };
}
