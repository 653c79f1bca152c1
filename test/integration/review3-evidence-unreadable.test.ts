import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { dynamoStores } from '../support/dynamo-stores.js';
import { approvedTicket, T0, wire } from '../support/use-cases.js';

/*
 * Review 3 of issue 23, R3-1 (a regression test; the hole is closed): a lease holder (no table access at all) makes their own lease item
 * unreadable through the evidence kube-lease itself stores, and so hides all their activity evidence.
 * The audit parser keeps a namespace that is a DNS subdomain (`objectName`: dots, up to 253
 * characters); the stored schema reads a session's namespace as a DNS label (`labelName`). One
 * refused `kubectl exec -n team.payments x` (403) during the lease is summarised as a session, stored
 * on the lease item with the evidence, and from then on the item no longer reads.
 */
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

const ALICE = 'alice@example.com';
let serial = 0;
/** An audit event of alice's as kube-apiserver logs it, `minutes` after T0. */
function event(minutes: number, o: { verb: string; ns: string; name?: string; sub?: string; code: number; query?: string }): AuditEvent {
  serial += 1;
  const at = new Date(T0.getTime() + minutes * 60_000).toISOString();
  const path = `/api/v1/namespaces/${o.ns}/pods${o.name === undefined ? '' : `/${o.name}`}${o.sub === undefined ? '' : `/${o.sub}`}`;
  const parsed = parseAuditEvent({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: `r3-${serial}`,
    stage: 'ResponseComplete',
    verb: o.verb,
    requestURI: o.query === undefined ? path : `${path}?${o.query}`,
    user: { username: ALICE, groups: ['system:authenticated'] },
    objectRef: { resource: 'pods', namespace: o.ns, name: o.name, subresource: o.sub, apiVersion: 'v1' },
    responseStatus: { code: o.code },
    requestReceivedTimestamp: at,
    stageTimestamp: at,
    annotations: { 'authorization.k8s.io/decision': o.code >= 400 ? 'forbid' : 'allow' },
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}

describe('review 3, R3-1: a lease holder hides their evidence by one refused exec into a dotted namespace', () => {
  it.each([
    ['a dotted namespace', 'team.payments'],
    ['a 64-character namespace', `n${'x'.repeat(63)}`],
  ])('the evidence is posted and the lease stays readable (%s)', async (_name, namespace) => {
    // Prepare: a grant over DynamoDB; during it alice reads a secret and tries one exec elsewhere (refused).
    const table = `review3-evidence-${serial}`;
    const use = wire(AUDITED_CATALOG, await dynamoStores(dynamo.client, table));
    const outcome = await use.grantAccess(approvedTicket('R3-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
    use.activity.add('demo', event(2, { verb: 'get', ns: 'payments', name: 'api-1', code: 200 }));
    use.activity.add('demo', event(3, { verb: 'create', ns: namespace, name: 'x', sub: 'exec', code: 403, query: 'command=sh' }));
    use.clock.advance(30 * 60_000 + 1000);
    await use.revokeLease({ leaseId: outcome.lease.id, cause: 'expiry', actor: 'eventbridge' });
    // Act: the sweep collects the evidence after the log's delay, and once more.
    use.clock.advance(5 * 60_000);
    const first = await use.sweepLeases();
    use.clock.advance(2 * 60_000);
    await use.sweepLeases();
    // Assess: the evidence is on the ticket, and the lease item still reads.
    const read = await use.leases.get(outcome.lease.id).then(
      () => 'readable',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    // (Before the fix: nothing posted, the item refused on evidence.summary.sessions.0.namespace, and the sweep's
    // UnreadableLeaseItems stays 0: the REVOKED item is on no list the sweep reads; only `failed` counts it.)
    expect({ evidencePosted: first.evidencePosted, read, unreadableLeaseItems: first.unreadableLeaseItems, failed: first.failed }).toEqual({ evidencePosted: 1, read: 'readable', unreadableLeaseItems: 0, failed: 0 });
    expect(use.jira.commentsOn('R3-1').filter((c) => c.startsWith('Activity during lease'))).toHaveLength(1);
  });
});
