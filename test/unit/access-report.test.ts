import { describe, expect, it } from '@jest/globals';
import { buildAccessReport, percentile } from '../../lib/domain/access-report.js';
import { evidenceDigest, type SealCheck } from '../../lib/domain/evidence-digest.js';
import { overlapsPeriod } from '../../lib/domain/report-period.js';
import { ReportDataError, ReportRequestError } from '../../lib/errors.js';
import { EXAMPLE_NOW, EXAMPLE_PERIOD, denialRecord, exampleDenials, exampleLeases, leaseRecord } from '../support/access-report-example.js';

const alice = { id: 'u-alice', email: 'alice@example.com' };
const period = { from: new Date('2026-11-02T00:00:00.000Z'), to: new Date('2026-11-03T00:00:00.000Z') };
const now = new Date('2026-11-02T18:00:00.000Z');

describe('buildAccessReport', () => {
  it('says evidence is intact only when its seal was verified: altered, not verifiable, not verified otherwise', () => {
    // Prepare: revoked leases of the example with evidence as stored (sealed or not), edited afterwards, or not collectable.
    const leases = exampleLeases().filter((l) => l.status === 'REVOKED' && overlapsPeriod(l, EXAMPLE_PERIOD)).slice(0, 8);
    const summary = { requests: 2, byRequest: [{ verb: 'get', resource: 'pods', namespace: 'payments', count: 2 }], sessions: [], secretsRead: [], denied: [], omitted: 0 };
    const base = { collectedAt: '2026-11-02T12:00:00.000Z', from: '2026-11-02T10:00:00.000Z', to: '2026-11-02T11:00:00.000Z', events: 2 };
    const seal = { algorithm: 'HMAC_SHA_256', keyId: 'arn:aws:kms:eu-west-1:123456789012:key/k', mac: 'bWFj' } as const;
    const sealed = { ...base, summary, digest: evidenceDigest({ ...base, summary }), mac: seal };
    const [a, b, c, d, e, f, g, h] = leases;
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined || f === undefined || g === undefined || h === undefined) throw new Error('the example has fewer revoked leases');
    const withEvidence = [
      { ...a, evidence: sealed },
      { ...b, evidence: sealed },
      { ...c, evidence: sealed },
      { ...d, evidence: sealed },
      { ...e, evidence: { ...sealed, summary: { ...summary, requests: 1 } } },
      { ...f, evidence: { ...base, summary, digest: evidenceDigest({ ...base, summary }) } },
      { ...g, evidence: { ...base, error: 'the cluster\'s audit log could not be read (missing, or kube-lease may not read it)' } },
      h,
    ];
    const sealChecks = new Map<string, SealCheck>([
      [a.id, { kind: 'valid' }],
      [b.id, { kind: 'invalid' }],
      [c.id, { kind: 'unverified', reason: 'the evidence key could not be used' }],
      [e.id, { kind: 'valid' }],
      [f.id, { kind: 'valid' }],
    ]);
    // Act
    const report = buildAccessReport({ leases: withEvidence, denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW, sealChecks });
    // Assess: d's seal was never checked; e's content no longer has its digest; f has no seal (whatever a check says).
    const byId = new Map(report.leases.map((r) => [r.leaseId, r]));
    expect(withEvidence.map((l) => byId.get(l.id)?.evidence)).toEqual([
      'intact',
      'altered',
      'not verified: the evidence key could not be used',
      'not verified: the report did not check its MAC',
      'altered',
      'no seal: not verifiable',
      'not collected',
      null,
    ]);
    expect(byId.get(a.id)?.evidenceDigest).toBe(evidenceDigest({ ...base, summary }));
    // Without checks, nothing is intact.
    expect(buildAccessReport({ leases: withEvidence, denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW }).leases.some((r) => r.evidence === 'intact')).toBe(false);
  });

  it('lists every lease whose life overlapped the period, earliest request first, and leaves the others out', () => {
    // Prepare
    const input = { leases: exampleLeases(), denials: exampleDenials(), period: EXAMPLE_PERIOD, now: EXAMPLE_NOW };
    // Act
    const report = buildAccessReport(input);
    // Assess: the lease that ended on 30 October and the one of 20 October are out; the one that began on 1 November and ended on the 2nd is in.
    expect(report.leases.map((r) => r.leaseId)).toEqual(Array.from({ length: 12 }, (_, i) => `a00000000000000000${String(i + 1).padStart(2, '0')}`));
    expect(report.period).toEqual({ from: '2026-11-02T00:00:00.000Z', to: '2026-11-09T00:00:00.000Z' });
    expect(report.generatedAt).toBe(EXAMPLE_NOW.toISOString());
  });

  it('summarises grants, denials, lags (nearest rank), late revocations and open leases', () => {
    // Prepare
    const input = { leases: exampleLeases(), denials: exampleDenials(), period: EXAMPLE_PERIOD, now: EXAMPLE_NOW };
    // Act
    const { summary, denialsByCode } = buildAccessReport(input);
    // Assess: lags 1.1 s, 2.8 s, 3.2 s, 4 s, 39.5 s, 7 min 30 s.
    expect(summary).toEqual({ leases: 12, grants: 8, failed: 1, denials: 4, medianLagMs: 3200, p99LagMs: 450_000, lagSamples: 6, lateRevocations: 1, openNow: 2 });
    expect(denialsByCode).toEqual([
      { code: 'self-approval', count: 2 },
      { code: 'duration-over-max', count: 1 },
      { code: 'namespace-not-allowed', count: 1 },
    ]);
  });

  it('names how each lease was approved: person, on-call or break-glass', () => {
    // Prepare: the first lease approved by being on call, the second through break-glass.
    const shown = buildAccessReport({ leases: exampleLeases(), denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW }).leases.map((r) => r.leaseId);
    const kinds = new Map([[shown[0], 'on-call' as const], [shown[1], 'break-glass' as const]]);
    const leases = exampleLeases().map((l) => ({ ...l, approvalKind: kinds.get(l.id) }));
    // Act
    const rows = buildAccessReport({ leases, denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW }).leases;
    // Assess
    expect(rows.map((r) => r.approvalKind)).toEqual(['on-call', 'break-glass', ...rows.slice(2).map(() => 'person')]);
  });

  it('gives each row its requester, approvers, access, times, end cause, lag and extensions', () => {
    // Prepare
    const input = { leases: exampleLeases(), denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW };
    // Act
    const rows = buildAccessReport(input).leases;
    // Assess
    expect(rows.find((r) => r.ticketKey === 'OPS-1204')).toEqual({
      leaseId: 'a0000000000000000002',
      source: 'jira',
      ticketKey: 'OPS-1204',
      ticketUrl: 'https://example.atlassian.net/browse/OPS-1204',
      requester: 'alice@example.com',
      approvers: ['bob@example.com'],
      approvalKind: 'person',
      unreviewed: false,
      profile: 'payments-debug',
      role: 'Role/pod-exec',
      subject: 'User alice@example.com',
      cluster: 'prod-eu',
      namespaces: ['payments', 'payments-jobs'],
      status: 'REVOKED',
      requestedAt: '2026-11-03T09:12:00.000Z',
      startedAt: '2026-11-03T09:12:01.500Z',
      expiresAt: '2026-11-03T15:12:01.500Z',
      endedAt: '2026-11-03T15:12:41.000Z',
      endCause: 'expiry',
      revocationLagMs: 39_500,
      overdue: false,
      late: false,
      extensions: 2,
      outcome: 'on-time',
      failureReason: null,
      endedBy: 'eventbridge',
      endedByKind: 'timer',
      endReason: null,
      endRequestedBy: null,
      evidence: 'no seal: not verifiable',
      evidenceDigest: exampleLeases().find((l) => l.ticketKey === 'OPS-1204')?.evidence?.digest,
      evidenceUnreadable: null,
      justification: 'INC-4411: payments API answers 5xx after the 09:00 deploy; need a shell in the payments pods',
      activityStatus: 'recorded',
      activity: {
        from: '2026-11-03T09:12:01.500Z',
        to: '2026-11-03T15:12:41.000Z',
        requests: 47,
        byRequest: expect.arrayContaining([{ verb: 'create', resource: 'pods/exec', namespace: 'payments', count: 2 }]),
        sessions: [expect.objectContaining({ kind: 'exec', pod: 'payments-api-7d9c5-x2kqp', command: 'sh' }), expect.objectContaining({ command: 'cat /etc/payments/config.yaml' })],
        secretsRead: [{ namespace: 'payments', name: 'payments-db', verb: 'get', count: 1 }],
        refused: [{ verb: 'delete', resource: 'pods', namespace: 'payments-jobs', count: 2 }],
        omitted: 0,
        elsewhere: null,
      },
      activityError: null,
    });
    expect(rows.map((r) => [r.ticketKey, r.outcome, r.endCause])).toEqual([
      ['OPS-1201', 'on-time', 'expiry'],
      ['OPS-1204', 'on-time', 'expiry'],
      ['OPS-1209', 'early', 'early'],
      ['OPS-1213', 'late', 'sweep'],
      ['CHG0031337', 'failed', 'failed'],
      ['OPS-1220', 'manual', 'manual'],
      ['OPS-1222', 'on-time', 'expiry'],
      ['OPS-1225', 'dry-run', 'dry-run'],
      ['OPS-1230', 'on-time', 'expiry'],
      ['OPS-1236', 'on-time', 'expiry'],
      ['OPS-1241', 'open', null],
      ['CHG0031402', 'open', null],
    ]);
  });

  it('measures no lag for access that ended before its expiry or never began', () => {
    // Prepare
    const leases = [
      leaseRecord({ id: 'early', requester: alice, ticket: 'T-1', created: '2026-11-02T01:00:00.000Z', started: '2026-11-02T01:00:01.000Z', expires: '2026-11-02T05:00:00.000Z', ended: '2026-11-02T02:00:00.000Z', cause: 'early' }),
      leaseRecord({ id: 'failed', requester: alice, ticket: 'T-2', created: '2026-11-02T01:00:00.000Z', expires: '2026-11-02T01:00:00.000Z', ended: '2026-11-02T01:30:00.000Z', failure: 'no cluster' }),
    ];
    // Act
    const rows = buildAccessReport({ leases, denials: [], period, now }).leases;
    // Assess
    expect(rows.map((r) => [r.leaseId, r.revocationLagMs, r.late, r.outcome])).toEqual([
      ['early', null, false, 'early'],
      ['failed', null, false, 'failed'],
    ]);
  });

  it('counts a lag whatever ended the access: an operator revoking hours after the expiry is late', () => {
    // Prepare
    const lease = leaseRecord({ id: 'm', requester: alice, ticket: 'T-3', created: '2026-11-02T01:00:00.000Z', started: '2026-11-02T01:00:01.000Z', expires: '2026-11-02T02:00:00.000Z', ended: '2026-11-02T05:00:00.000Z', cause: 'manual' });
    // Act
    const report = buildAccessReport({ leases: [lease], denials: [], period, now });
    // Assess
    expect(report.leases[0]).toMatchObject({ revocationLagMs: 3 * 3_600_000, late: true, outcome: 'late', endCause: 'manual' });
    expect(report.summary).toMatchObject({ lateRevocations: 1, medianLagMs: 3 * 3_600_000, lagSamples: 1 });
  });

  it('reports a lease still ACTIVE past its expiry as overdue and late, outside the percentiles', () => {
    // Prepare
    const lease = leaseRecord({ id: 'o', requester: alice, ticket: 'T-4', created: '2026-11-02T10:00:00.000Z', started: '2026-11-02T10:00:01.000Z', expires: '2026-11-02T17:50:00.000Z' });
    // Act
    const report = buildAccessReport({ leases: [lease], denials: [], period, now });
    // Assess
    expect(report.leases[0]).toMatchObject({ revocationLagMs: 600_000, overdue: true, late: true, outcome: 'late', endedAt: null });
    expect(report.summary).toMatchObject({ lateRevocations: 1, openNow: 1, lagSamples: 0, medianLagMs: null, p99LagMs: null });
  });

  it('applies the late threshold given, strictly: a lag equal to it is not late', () => {
    // Prepare
    const lease = leaseRecord({ id: 't', requester: alice, ticket: 'T-5', created: '2026-11-02T01:00:00.000Z', started: '2026-11-02T01:00:01.000Z', expires: '2026-11-02T02:00:00.000Z', ended: '2026-11-02T02:02:00.000Z' });
    // Act
    const atDefault = buildAccessReport({ leases: [lease], denials: [], period, now });
    const stricter = buildAccessReport({ leases: [lease], denials: [], period, now, lateAfterMs: 60_000 });
    // Assess
    expect(atDefault.leases[0]).toMatchObject({ revocationLagMs: 120_000, late: false, outcome: 'on-time' });
    expect(stricter.leases[0]).toMatchObject({ late: true, outcome: 'late' });
    expect(stricter.lateAfterMs).toBe(60_000);
  });

  it('judges a revocation whose cause was not recorded by its timing', () => {
    // Prepare
    const { revokeCause: _cause, ...lease } = leaseRecord({ id: 'n', requester: alice, ticket: 'T-6', created: '2026-11-02T01:00:00.000Z', started: '2026-11-02T01:00:01.000Z', expires: '2026-11-02T02:00:00.000Z', ended: '2026-11-02T01:30:00.000Z' });
    // Act
    const row = buildAccessReport({ leases: [lease], denials: [], period, now }).leases[0];
    // Assess
    expect(row).toMatchObject({ endCause: null, outcome: 'early', revocationLagMs: null });
  });

  it('counts only denials decided in the period, from included and to excluded', () => {
    // Prepare
    const denials = [
      denialRecord('T-1', 'self-approval', '2026-11-01T23:59:59.999Z'),
      denialRecord('T-2', 'self-approval', '2026-11-02T00:00:00.000Z'),
      denialRecord('T-3', 'bad-duration', '2026-11-02T12:00:00.000Z'),
      denialRecord('T-4', 'bad-duration', '2026-11-03T00:00:00.000Z'),
    ];
    // Act
    const report = buildAccessReport({ leases: [], denials, period, now });
    // Assess
    expect(report.denials.map((d) => d.ticketKey)).toEqual(['T-2', 'T-3']);
    expect(report.denialsByCode).toEqual([
      { code: 'bad-duration', count: 1 },
      { code: 'self-approval', count: 1 },
    ]);
  });

  it('refuses an empty or inverted period, a negative threshold, a report time that is not a date', () => {
    // Prepare
    const at = new Date('2026-11-02T00:00:00.000Z');
    // Act / Assess
    expect(() => buildAccessReport({ leases: [], denials: [], period: { from: at, to: at }, now })).toThrow(ReportRequestError);
    expect(() => buildAccessReport({ leases: [], denials: [], period: { from: period.to, to: period.from }, now })).toThrow(/must be before/);
    expect(() => buildAccessReport({ leases: [], denials: [], period: { from: new Date('x'), to: period.to }, now })).toThrow(ReportRequestError);
    expect(() => buildAccessReport({ leases: [], denials: [], period, now, lateAfterMs: -1 })).toThrow(ReportRequestError);
    expect(() => buildAccessReport({ leases: [], denials: [], period, now: new Date('x') })).toThrow(ReportRequestError);
  });

  it('stops on a record whose time is not a date, naming it, instead of leaving it out', () => {
    // Prepare
    const lease = { ...leaseRecord({ id: 'bad', requester: alice, ticket: 'T-7', created: '2026-11-02T01:00:00.000Z', expires: '2026-11-02T02:00:00.000Z' }), createdAt: 'yesterday' };
    // Act / Assess
    expect(() => buildAccessReport({ leases: [lease], denials: [], period, now })).toThrow(ReportDataError);
    expect(() => buildAccessReport({ leases: [], denials: [denialRecord('T-8', 'x', 'soon')], period, now })).toThrow(/denial of jira T-8/);
  });
});

describe('overlapsPeriod', () => {
  const spec = { id: 'x', requester: alice, ticket: 'T', expires: '2026-11-02T05:00:00.000Z' };

  it('includes a lease ending exactly at the start, and excludes one created exactly at the end', () => {
    // Prepare
    const endsAtStart = leaseRecord({ ...spec, created: '2026-11-01T20:00:00.000Z', started: '2026-11-01T20:00:00.000Z', ended: '2026-11-02T00:00:00.000Z' });
    const createdAtEnd = leaseRecord({ ...spec, created: '2026-11-03T00:00:00.000Z' });
    const openSinceBefore = leaseRecord({ ...spec, created: '2026-10-01T00:00:00.000Z', started: '2026-10-01T00:00:00.000Z' });
    // Act / Assess
    expect(overlapsPeriod(endsAtStart, period)).toBe(true);
    expect(overlapsPeriod(createdAtEnd, period)).toBe(false);
    expect(overlapsPeriod(openSinceBefore, period)).toBe(true);
  });
});

describe('percentile', () => {
  it('takes the nearest rank: the smallest value with at least p% of the values at or below it', () => {
    // Prepare
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    // Act / Assess
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});
