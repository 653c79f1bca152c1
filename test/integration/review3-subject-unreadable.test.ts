import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { dynamoStores } from '../support/dynamo-stores.js';
import { approvedTicket, wire } from '../support/use-cases.js';

/*
 * Review 3 of issue 23, R3-2 (a regression test; the hole is closed): the subject a grant writes and the subject a read accepts differ.
 * renderSubject refuses C0 controls and DEL only; stored-text's subjectName also refuses C1 controls
 * (U+0080–U+009F) and U+2028/U+2029. A requester whose ITSM email holds one of them (a ServiceNow
 * user's own profile email is a plain string kube-lease never checks) gets a lease that kube-lease
 * itself writes and then cannot read: its revoke at expiry, the sweep and a close all leave the
 * binding in place.
 */
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

let tables = 0;
describe('review 3, R3-2: a requester whose email kube-lease writes but will not read', () => {
  it.each([
    ['U+2028 (line separator)', 'bob\u2028x@example.com'],
    ['U+0085 (next line, a C1 control)', 'bob\u0085x@example.com'],
  ])('%s: the grant is refused, or its binding ends at expiry', async (_name, email) => {
    // Prepare
    tables += 1;
    const table = `review3-subject-${tables}`;
    const use = wire(DEMO_CATALOG, await dynamoStores(dynamo.client, table));
    const ticket = approvedTicket(`R3-2${tables}`, { requester: { id: 'acc-bob', email, displayName: 'Bob' }, requestedDuration: '1h' });
    const granted = await use.grantAccess(ticket, 'webhook').then(
      (outcome) => outcome.kind,
      (error: unknown) => `threw: ${error instanceof Error ? error.message : String(error)}`,
    );
    const boundAfterGrant = use.cluster.bindings.size;
    // Act: the lease expires; the timer's revoke runs, then the sweep (with its orphan scan).
    use.clock.advance(61 * 60_000);
    const leaseId = [...use.cluster.bindings.values()][0]?.metadata.labels?.['kube-lease.io/lease-id'] ?? '';
    const revoked = await use.revokeLease({ leaseId, cause: 'expiry', actor: 'eventbridge' }).then(
      (outcome) => outcome.kind,
      (error: unknown) => `threw: ${error instanceof Error ? error.message : String(error)}`,
    );
    const swept = await use.sweepLeases({ scan: true });
    // Assess: either no access was granted, or none is left after expiry.
    const left = use.cluster.bindings.size;
    // (Before the fix: granted threw after the binding was made; the revoke and the sweep cannot read the lease; the binding stays.)
    expect({ granted, boundAfterGrant, revoked, left, unreadable: swept.unreadableLeaseItems }).toEqual(expect.objectContaining({ left: 0 }));
  });
});
