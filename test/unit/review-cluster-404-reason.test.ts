import { describe, expect, it } from '@jest/globals';
import { ClusterError, publicReason } from '../../lib/errors.js';

/*
 * Review of issue 23 (doubt b): publicReason goes on tickets and audit events. A 404 from the API
 * server is not always a missing namespace (a path it does not serve, a proxy in front of it, an
 * API group that is not installed): the reason must not state as fact what the 404 does not show.
 * Regression test since the fix (the reason names both possibilities).
 */
describe('review: what a ticket says of a cluster 404', () => {
  it('does not claim the namespace is missing when the 404 does not say so', () => {
    const reason = publicReason(new ClusterError('creating RoleBinding payments/kl-1 in demo: 404 page not found', 404));
    expect(reason).not.toMatch(/has no such namespace/);
    expect(reason).toContain('404');
  });
});
