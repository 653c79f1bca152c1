import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseAuditEvent } from '../../lib/domain/activity.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { auditEvent } from '../fixtures/audit-events.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { dynamoStores } from '../support/dynamo-stores.js';
import { approvedTicket, T0, wire } from '../support/use-cases.js';

/*
 * Review 5 (issue 23), R5-1 (a regression test; the hole is closed). Attacker: a lease holder who may set a pod's terminationGracePeriodSeconds
 * (review 4's R4-6 attacker: edit on a Deployment, or a bare pod created through the lease) and opens a stream
 * into it. The grace period is an int64; review 4 capped `mayRunUntil` but stores `graceSeconds` as given. A
 * value above Number.MAX_SAFE_INTEGER (here 1e16 s, well inside int64) passes leaseItemSchema (z.number()),
 * so transition()'s new pre-write check lets it through, and the DynamoDB document client's marshall then
 * throws ("Number … is greater than Number.MAX_SAFE_INTEGER"). The REVOKED write fails after the bindings
 * are gone. A retry (the sweep) finds the pod terminating and keeps it ("already terminating"), so it is written
 * then: one failed revoke, recorded a sweep interval late. Judged Low.
 */
const ALICE = 'alice@example.com';
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

describe('review 5: a grace period past Number.MAX_SAFE_INTEGER', () => {
  it('R5-1: the revoke of the holder\'s lease is written (REVOKED), not refused by DynamoDB on every try', async () => {
    const app = wire(AUDITED_CATALOG, await dynamoStores(dynamo.client, 'review5-grace-unsafe'));
    const granted = await app.grantAccess(approvedTicket('OPS-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    if (granted.kind !== 'granted') throw new Error(`expected a grant, got ${granted.kind}`);
    const binding = granted.lease.bindings[0]?.name ?? '';
    // The holder's pod: owned by a ReplicaSet, grace period 1e16 s (an int64 the API server accepts).
    const pod = app.cluster.addPod('payments', 'api-1', { createdAt: at(-60).toISOString().replace(/\.\d+Z$/, 'Z'), controller: { kind: 'ReplicaSet', name: 'api' } });
    app.cluster.pods.set('payments/api-1', { ...pod, gracePeriodSeconds: 10_000_000_000_000_000 });
    for (const stage of ['ResponseStarted', 'ResponseComplete'] as const) {
      const parsed = parseAuditEvent(auditEvent({ user: ALICE, namespace: 'payments', binding, verb: 'create', name: 'api-1', subresource: 'exec', command: ['sh'], at: at(2), stage }));
      if (parsed === undefined) throw new Error('not an audit event');
      app.activity.add('demo', parsed);
    }
    // Expiry, then two sweeps (each retries the revoke).
    app.clock.advance(30 * 60_000 + 1000);
    const revoke = await app.revokeLease({ leaseId: granted.lease.id, cause: 'expiry', actor: 'eventbridge' }).then(
      (o) => o.kind,
      (error: unknown) => `threw: ${error instanceof Error ? error.message.slice(0, 120) : String(error)}`,
    );
    // As the API server keeps it: the eviction was accepted, the pod (which ignores SIGTERM) stays terminating.
    app.cluster.pods.set('payments/api-1', { ...pod, gracePeriodSeconds: 10_000_000_000_000_000, deletingAt: '2026-03-02T10:31:01Z', deletionGracePeriodSeconds: 10_000_000_000_000_000 });
    for (const minutes of [5, 5]) {
      app.clock.advance(minutes * 60_000);
      await app.sweepLeases().catch(() => undefined);
    }
    const after = await app.leases.get(granted.lease.id);
    const facts = {
      revoke,
      status: after?.status,
      bindingsLeft: app.cluster.bindings.size,
      revokeComments: app.jira.commentsOn('OPS-1').filter((c) => c.startsWith('Access revoked')).length,
      revokeEvents: app.audit.events.filter((e) => e.kind === 'revoke').length,
    };
    // For the report: what the ticket says after the retry.
    console.log(JSON.stringify({ facts, comment: app.jira.commentsOn('OPS-1').filter((c) => c.startsWith('Access revoked')), events: app.audit.events.filter((e) => e.kind === 'end-session' || e.kind === 'failure').map((e) => e.reason) }, null, 1));
    // What an honest revoke gives: REVOKED, one revoke comment and event.
    expect(facts).toEqual({ revoke: 'revoked', status: 'REVOKED', bindingsLeft: 0, revokeComments: 1, revokeEvents: 1 });
  });
});
