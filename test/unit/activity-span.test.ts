import { describe, expect, it } from '@jest/globals';
import { fromItem, toItem } from '../../lib/adapters/dynamodb/lease-item.js';
import type { AuditEvent } from '../../lib/domain/activity.js';
import { activitySpan } from '../../lib/domain/activity-span.js';
import { evidenceDigest } from '../../lib/domain/evidence-digest.js';
import { leaseFixture } from '../support/lease-fixture.js';

const event = (id: string, at: string, code: number | undefined, stage = 'ResponseComplete'): AuditEvent => ({ auditID: id, stage, verb: 'get', username: 'alice@example.com', requestURI: `/api/v1/namespaces/payments/pods/${id}`, objectRef: { resource: 'pods', namespace: 'payments', name: id }, code, at });

describe('activitySpan', () => {
  it('spans the first to the last request the API server let through, each request once', () => {
    const events = [
      event('a', '2026-11-03T10:05:00.000123Z', undefined, 'RequestReceived'),
      event('a', '2026-11-03T10:05:00.000123Z', 200),
      event('b', '2026-11-03T10:01:00.000000Z', 403),
      event('c', '2026-11-03T10:42:10.500000Z', 200),
      event('d', '2026-11-03T10:50:00.000000Z', 401),
    ];
    expect(activitySpan(events)).toEqual({ firstAt: '2026-11-03T10:05:00.000123Z', lastAt: '2026-11-03T10:42:10.500000Z' });
  });

  it('is empty when every request was refused, or none was made', () => {
    expect(activitySpan([event('b', '2026-11-03T10:01:00Z', 403)])).toEqual({});
    expect(activitySpan([])).toEqual({});
  });

  it('survives the lease table: the stored span keeps the evidence digest it was sealed with', () => {
    // Prepare: evidence whose summary carries the span, as collect-evidence stores it (its own times by toISOString, the span as the audit log stamped it).
    const summary = { requests: 1, byRequest: [{ verb: 'get', resource: 'pods', namespace: 'payments', count: 1 }], sessions: [], secretsRead: [], denied: [], omitted: 0, firstAt: '2026-11-03T10:05:00Z', lastAt: '2026-11-03T10:05:00Z' };
    const window = { collectedAt: '2026-11-03T12:10:00.000Z', from: '2026-11-03T10:00:00.000Z', to: '2026-11-03T12:00:00.000Z', events: 2 };
    const lease = { ...leaseFixture('e0000000000000000001', '2026-11-03T12:00:00.000Z', 'REVOKED'), evidence: { ...window, summary, digest: evidenceDigest({ ...window, summary }) } };
    // Act
    const read = fromItem(toItem(lease));
    // Assess
    expect(read.evidence?.summary).toEqual(summary);
    expect(evidenceDigest({ ...window, summary: read.evidence?.summary ?? summary })).toBe(lease.evidence.digest);
  });
});
