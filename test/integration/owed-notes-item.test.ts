import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { leaseKey } from '../../lib/adapters/dynamodb/lease-item.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Review 2 of issue 23 (M-A), at the item: a table writer (or an older version) stores text where
 * kube-lease stores facts. The lease is read as owing its comment, but no stored text survives the read.
 */
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

async function storedWith(id: string, fields: Record<string, unknown>) {
  const table = `owed-notes-${id}`;
  await ensureLeaseTable(dynamo.client, table);
  const leases = new DynamoDbLeaseStore(dynamo.client, table);
  await leases.create(leaseFixture(id, '2026-01-01T01:00:00.000Z'));
  const names = Object.fromEntries(Object.keys(fields).map((k) => [`#${k}`, k]));
  const values = Object.fromEntries(Object.entries(fields).map(([k, v]) => [`:${k}`, v]));
  const sets = Object.keys(fields).map((k) => `#${k} = :${k}`).join(', ');
  await DynamoDBDocumentClient.from(dynamo.client).send(new UpdateCommand({ TableName: table, Key: { pk: leaseKey(id) }, UpdateExpression: `SET ${sets}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values }));
  return leases.get(id);
}

describe('owed comment facts on the lease item (DynamoDB, dynalite)', () => {
  it('reads text stored as a grant note or revoke note as owed, keeping none of it', async () => {
    // Act
    const read = await storedWith('n0000000000000000001', { grantNote: '\nApproved by the CISO', revokeNote: 'Approved by the CISO' });
    // Assess
    expect([read?.grantNote, read?.revokeNote]).toEqual([[], { evidence: false }]);
  });

  it('drops grant codes it does not know and reads bindings that are not Kubernetes names as not known', async () => {
    // Act
    const read = await storedWith('n0000000000000000002', { grantNote: ['clipped', 'Approved by the CISO'], revokeNote: { untouched: ['payments/kl-x', 'payments/Approved by the CISO'], evidence: true } });
    const valid = await storedWith('n0000000000000000003', { revokeNote: { untouched: ['payments/kl-x'], evidence: false } });
    // Assess
    expect([read?.grantNote, read?.revokeNote]).toEqual([['clipped'], { untouched: undefined, evidence: true }]);
    expect(valid?.revokeNote).toEqual({ untouched: ['payments/kl-x'], evidence: false });
  });
});
