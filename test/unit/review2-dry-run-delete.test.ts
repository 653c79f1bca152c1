import { describe, expect, it } from '@jest/globals';
import { evidenceWindow, parseBindingChange } from '../../lib/domain/binding-lifecycle.js';
import type { Lease } from '../../lib/domain/lease.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Review 2 of issue 23 (F1 fix), as a lease holder whose role may delete RoleBindings (`admin`):
 * a DELETE of the lease's own binding with DeleteOptions `{"dryRun":["All"]}` in its body (what
 * client-go's Delete and `kubectl delete --dry-run=server` send) deletes nothing and answers 200,
 * with no `dryRun` in the request URI. Read as a removal, it completes the cluster's record early:
 * the evidence is collected before the log holds the real delete (and the subject's last requests).
 */
const ID = 'a1b2c3d4e5f60718293a';
const NAME = `kl-payments-read-${ID}`;
const at = (minutes: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + minutes * 60_000);
const event = (verb: 'create' | 'delete', minutes: number, requestObject: unknown) => ({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: `id-${verb}-${minutes}`, stage: 'ResponseComplete',
  requestURI: `/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings${verb === 'delete' ? `/${NAME}` : ''}`,
  verb, user: { username: verb === 'create' ? 'kube-lease' : 'alice@example.com' },
  objectRef: { resource: 'rolebindings', namespace: 'payments', name: NAME, apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 }, requestObject,
  requestReceivedTimestamp: at(minutes).toISOString(), stageTimestamp: at(minutes).toISOString(),
});

describe('review2: a dry-run delete in the request body', () => {
  it('is not a removal of the lease\'s binding', () => {
    const dryRun = event('delete', 5, { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] });
    expect(parseBindingChange(dryRun)).toBeUndefined();
  });

  it('does not let the evidence be collected before the log holds the real delete', () => {
    // The revoke (minute 60) is in the item; the log has the create and the holder's dry run only (the real delete lags).
    const lease: Lease = { ...leaseFixture(ID, at(60).toISOString(), 'REVOKED'), revokedAt: at(60).toISOString() };
    const changes = [
      event('create', 0, { kind: 'RoleBinding', metadata: { name: NAME }, subjects: [{ kind: 'User', name: 'alice@example.com' }] }),
      event('delete', 5, { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] }),
    ].flatMap((e) => parseBindingChange(e) ?? []);
    expect(evidenceWindow(lease, changes, at(61), 5 * 60_000)).toMatchObject({ kind: 'wait' });
  });
});
