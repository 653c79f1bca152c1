import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { DynamoDbEvidenceStore } from '../../lib/adapters/dynamodb/evidence-records.js';
import { makeLeaseHistoryReader } from '../../lib/adapters/dynamodb/lease-history-reader.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { DynamoDbOwedAnnouncements } from '../../lib/adapters/dynamodb/owed-announcements.js';
import { DynamoDbIdleWatches } from '../../lib/adapters/dynamodb/idle-watches.js';
import { DynamoDbCloseMarks } from '../../lib/adapters/dynamodb/close-marks.js';
import { DynamoDbOwedRevokeComments } from '../../lib/adapters/dynamodb/owed-revoke-comments.js';
import type { LeaseStatus } from '../../lib/domain/lease.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { wire } from '../support/use-cases.js';
import { KNOWN_RACES, run, schedule, settings, type ModelStore, type StoreItems } from './model.js';

/**
 * The concurrency suite (test/concurrency/model.ts) over the DynamoDB lease store, owed
 * announcements and evidence records on dynalite (a DynamoDB-protocol server in this process, on a
 * port the system chose), one new table per schedule. Every other port is in memory. Bounded in
 * `npm test` (KUBE_LEASE_DYNAMO_RUNS, default 30, seed 24); `npm run soak` runs more. Replay as for
 * the in-memory run: KUBE_LEASE_SEED=<seed> KUBE_LEASE_PATH=<path>.
 */
const { runs: RUNS, seed: SEED, path: PATH } = settings('KUBE_LEASE_DYNAMO_RUNS', 30);

let dynamo: EmbeddedDynamoDb;
let doc: DynamoDBDocumentClient;
let tables = 0;

/** Every item of the table, read with a plain paged Scan (not the report's reader): leases and denials. */
async function tableItems(table: string): Promise<StoreItems> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  const ofLeases = items.filter((i) => String(i.pk).startsWith('lease#'));
  return {
    leases: ofLeases
      .filter((i) => i.record === undefined)
      .map((i) => ({
        id: String(i.id),
        status: i.status as LeaseStatus,
        everActive: Array.isArray(i.history) && (i.history as { to?: unknown }[]).some((h) => h.to === 'ACTIVE'),
      })),
    denials: ofLeases.filter((i) => i.record === 'denial').length,
  };
}

async function dynamoStore(catalog: string): Promise<ModelStore> {
  // The previous schedule's table is done with: dropped, so that dynalite's memory stays flat.
  if (tables > 0) await dynamo.client.send(new DeleteTableCommand({ TableName: `model-${tables}` }));
  tables += 1;
  const table = `model-${tables}`;
  await ensureLeaseTable(dynamo.client, table);
  const app = wire(catalog, {
    leases: new DynamoDbLeaseStore(dynamo.client, table, false),
    announcements: new DynamoDbOwedAnnouncements(dynamo.client, table),
    evidence: new DynamoDbEvidenceStore(dynamo.client, table),
    idleWatches: new DynamoDbIdleWatches(dynamo.client, table),
    revokeComments: new DynamoDbOwedRevokeComments(dynamo.client, table),
    closeMarks: new DynamoDbCloseMarks(dynamo.client, table),
  });
  return { app, history: makeLeaseHistoryReader({ client: dynamo.client, tableName: table }), items: () => tableItems(table) };
}

// As in the in-memory run: the use cases' real-time waits (a revoke waiting for an announcement in
// flight, the access review's re-asks) are compressed, as the model's clock stands still meanwhile.
const realSetTimeout = globalThis.setTimeout;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
  doc = DynamoDBDocumentClient.from(dynamo.client);
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, _ms?: number, ...args: unknown[]) => realSetTimeout(fn, 0, ...args)) as typeof setTimeout;
});
afterAll(async () => {
  globalThis.setTimeout = realSetTimeout;
  dynamo.client.destroy();
  await dynamo.stop();
});

describe('every actor at once (model-based concurrency suite, DynamoDB lease store on dynalite)', () => {
  it(`holds the invariants over ${RUNS} generated schedules, crashes included`, async () => {
    process.stdout.write(`concurrency suite (DynamoDB): seed ${SEED}, ${RUNS} schedules (replay: KUBE_LEASE_SEED=${SEED})\n`);
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), schedule, (s, plan) => run(s, plan, dynamoStore)),
      { numRuns: RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }), endOnFailure: RUNS > 1000 || process.env.KUBE_LEASE_SOAK === '1' },
    );
    process.stdout.write(`concurrency suite (DynamoDB): ${RUNS} schedules in ${((Date.now() - started) / 1000).toFixed(1)} s; known open races met: ${JSON.stringify(KNOWN_RACES)}\n`);
  }, 30 * 60_000);
});
