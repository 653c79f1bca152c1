import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { dynamoStores } from '../support/dynamo-stores.js';
import { approvedTicket, wire } from '../support/use-cases.js';

/*
 * Review 3 of issue 23, R3-5 (a regression test; the hole is closed): the revoke records, per namespace, the other leases binding the
 * same subject, by the lease-id label of the bindings it lists (any label value); the stored schema
 * reads them as lease ids (20 hex). One binding with kube-lease's labels, the lease's subject and a
 * lease-id label that is not a lease id (made by someone who may create RoleBindings there; Kyverno
 * refuses it, a cluster without Kyverno does not) makes the lease item unreadable at its revoke.
 */
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

describe('review 3, R3-5: a look-alike binding with a lease-id label that is no lease id', () => {
  it('the revoke ends the lease and its item stays readable', async () => {
    // Prepare
    const table = 'review3-other-leases';
    const use = wire(DEMO_CATALOG, await dynamoStores(dynamo.client, table));
    const outcome = await use.grantAccess(approvedTicket('R3-5', { requestedNamespaces: ['payments'] }), 'webhook');
    if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
    const [key, manifest] = [...use.cluster.bindings.entries()][0] ?? [];
    if (key === undefined || manifest === undefined) throw new Error('no binding');
    const name = `${manifest.metadata.name}-copy`;
    use.cluster.bindings.set(key.replace(manifest.metadata.name, name), { ...manifest, metadata: { ...manifest.metadata, name, labels: { ...manifest.metadata.labels, [LABEL_LEASE_ID]: 'planted' } } });
    // Act
    const revoked = await use.revokeLease({ leaseId: outcome.lease.id, cause: 'early', actor: 'jira-webhook:close' }).then(
      (o) => o.kind,
      (error: unknown) => `threw: ${error instanceof Error ? error.message : String(error)}`,
    );
    const read = await use.leases.get(outcome.lease.id).then(
      (l) => l?.status,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    // Assess
    expect({ revoked, read }).toEqual({ revoked: 'revoked', read: 'REVOKED' });
  });
});
