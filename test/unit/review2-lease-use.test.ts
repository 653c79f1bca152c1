import { describe, expect, it } from '@jest/globals';
import type { ActivitySummary } from '../../lib/domain/activity.js';
import type { Lease } from '../../lib/domain/lease.js';
import { leaseUse } from '../../lib/domain/lease-use.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Review 2 of issue 23 (review packs), as a lease holder or a table writer: the pack tells an
 * auditor a lease was *unused* when its evidence shows no request. It must not say so when the
 * evidence itself says activity may be missing (events the log cut off: F2), when its window came
 * from the lease item a table writer can rewrite (F1 findings), or when a report with the evidence
 * key would call the record's missing seal a finding (a table writer strips the seal and writes an
 * empty summary).
 */
const empty: ActivitySummary = { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 };
function revoked(summary: ActivitySummary, extra: Partial<NonNullable<Lease['evidence']>> = {}): Lease {
  const base = leaseFixture('a1b2c3d4e5f60718293a', '2026-11-03T14:00:00.000Z', 'REVOKED');
  return { ...base, evidence: { collectedAt: '2026-11-03T15:00:00.000Z', from: '2026-11-03T10:00:00.000Z', to: '2026-11-03T14:00:00.000Z', events: 0, summary, ...extra } };
}

describe('review2: a lease is never called unused on evidence that may miss its activity', () => {
  it('evidence with events the log cut off (user unknown) is not known, not unused', () => {
    const use = leaseUse(revoked({ ...empty, unreadable: { count: 3, complete: true } }), { kind: 'valid' });
    expect(use.use).toBe('not known');
  });

  it('evidence whose window came from the lease item (a finding) is not known, not unused', () => {
    const use = leaseUse(revoked(empty, { findings: ['the cluster\'s log does not show the bindings\' creation: the window\'s start comes from the lease item'] }), { kind: 'valid' });
    expect(use.use).toBe('not known');
  });

  it('unsealed evidence when the pack verifies seals with a key (a seal may have been removed) is not known, not unused', () => {
    const use = leaseUse(revoked(empty), { kind: 'unsealed', keyed: true });
    expect(use.use).toBe('not known');
  });
});
