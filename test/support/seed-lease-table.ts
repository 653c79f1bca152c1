import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import type { DeniedApproval, Lease } from '../../lib/domain/lease.js';

/**
 * Writes leases and denials into a lease table through the real store (so the items are exactly
 * what kube-lease writes), together with the other kinds of item that share the table: an
 * extension claim, a webhook delivery claim and a requester's places. A report must skip those.
 */
export async function seedLeaseTable(client: DynamoDBClient, table: string, leases: readonly Lease[], denials: readonly DeniedApproval[]): Promise<void> {
  await ensureLeaseTable(client, table);
  const store = new DynamoDbLeaseStore(client, table);
  for (const lease of leases) {
    const result = await store.create(lease);
    if (!result.created) throw new Error(`seed: lease ${lease.id} exists already`);
  }
  for (const denial of denials) {
    if (!(await store.recordDenial(denial))) throw new Error(`seed: denial ${denial.leaseId} exists already`);
  }
  const first = leases[0];
  if (first !== undefined) {
    await store.claimApproval('ffffffffffffffffff01', `${first.idempotencyKey}#extension`, first.id);
    await store.reservePlace({ ...first, id: 'ffffffffffffffffff02' }, 5);
  }
  await store.claimDelivery('seeded-delivery', new Date('2026-11-03T00:00:00.000Z'), 3600, 120);
}
