import { describe, expect, it } from '@jest/globals';
import { buildAccessReport, type LeaseRow } from '../../lib/domain/access-report.js';
import type { Lease } from '../../lib/domain/lease.js';
import { EXAMPLE_NOW, EXAMPLE_PERIOD, denialRecord, evidenceOf, leaseRecord } from '../support/access-report-example.js';

const alice = { id: 'u-alice', email: 'alice@example.com' };
const bob = { id: 'u-bob', email: 'bob@example.com' };
const times = { created: '2026-11-03T10:00:00.000Z', started: '2026-11-03T10:00:01.000Z', expires: '2026-11-03T12:00:01.000Z' };

function rowOf(lease: Lease): LeaseRow {
  const row = buildAccessReport({ leases: [lease], denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW }).leases[0];
  if (row === undefined) throw new Error('the lease is not in the report');
  return row;
}

const ended = (row: LeaseRow) => ({ endedBy: row.endedBy, endedByKind: row.endedByKind, endReason: row.endReason, endRequestedBy: row.endRequestedBy });

describe('buildAccessReport: why, who ended it, what was done', () => {
  it('carries the justification, and null (not recorded) for a blank one of an older record', () => {
    // Prepare
    const given = leaseRecord({ id: 'c0000000000000000001', requester: alice, ticket: 'OPS-1', ...times, justification: 'INC-7: <b>fix</b> the API' });
    const blank = leaseRecord({ id: 'c0000000000000000002', requester: alice, ticket: 'OPS-2', ...times, justification: '   ' });
    // Act / Assess
    expect(rowOf(given).justification).toBe('INC-7: <b>fix</b> the API');
    expect(rowOf(blank).justification).toBeNull();
  });

  it('names who ended each lease and the reason recorded with it', () => {
    // Prepare
    const end = { ended: '2026-11-03T11:00:00.000Z' };
    const manual = leaseRecord({ id: 'c0000000000000000003', requester: alice, ticket: 'OPS-3', ...times, ...end, cause: 'manual', endNote: 'done early' });
    const timer = leaseRecord({ id: 'c0000000000000000004', requester: alice, ticket: 'OPS-4', ...times, ended: '2026-11-03T12:00:02.000Z', cause: 'expiry' });
    const sweep = leaseRecord({ id: 'c0000000000000000005', requester: alice, ticket: 'OPS-5', ...times, ended: '2026-11-03T12:01:00.000Z', cause: 'sweep' });
    const closed = leaseRecord({ id: 'c0000000000000000006', requester: alice, ticket: 'OPS-6', ...times, ...end, cause: 'early', endedBy: 'servicenow-webhook:abc' });
    const finished = leaseRecord({
      id: 'c0000000000000000007', requester: alice, ticket: 'OPS-7', ...times, ...end, cause: 'early', endedBy: 'sweep',
      revokeRequested: { at: '2026-11-03T10:59:00.000Z', cause: 'early', by: 'jira-webhook:d1', reason: 'a backend was unavailable' },
    });
    const failed = leaseRecord({ id: 'c0000000000000000008', requester: alice, ticket: 'OPS-8', created: times.created, expires: times.expires, ended: '2026-11-03T10:00:02.000Z', failure: 'the cluster refused the binding' });
    const open = leaseRecord({ id: 'c0000000000000000009', requester: alice, ticket: 'OPS-9', ...times });
    const unnamed = { ...manual, id: 'c0000000000000000010', history: manual.history.filter((h) => h.to !== 'REVOKED') };
    // Act / Assess
    expect(ended(rowOf(manual))).toEqual({ endedBy: 'cli:ops-lead', endedByKind: 'operator', endReason: 'done early', endRequestedBy: null });
    expect(ended(rowOf(timer))).toEqual({ endedBy: 'eventbridge', endedByKind: 'timer', endReason: null, endRequestedBy: null });
    expect(ended(rowOf(sweep))).toEqual({ endedBy: 'sweep', endedByKind: 'sweep', endReason: null, endRequestedBy: null });
    expect(ended(rowOf(closed))).toEqual({ endedBy: 'servicenow-webhook:abc', endedByKind: 'webhook', endReason: null, endRequestedBy: null });
    expect(ended(rowOf(finished))).toEqual({ endedBy: 'sweep', endedByKind: 'sweep', endReason: null, endRequestedBy: 'jira-webhook:d1' });
    expect(ended(rowOf(failed))).toEqual({ endedBy: 'jira-webhook:5e77a010', endedByKind: 'webhook', endReason: 'the cluster refused the binding', endRequestedBy: null });
    expect(ended(rowOf(open))).toEqual({ endedBy: null, endedByKind: null, endReason: null, endRequestedBy: null });
    expect(ended(rowOf(unnamed))).toEqual({ endedBy: null, endedByKind: null, endReason: null, endRequestedBy: null });
  });

  it('carries the activity stored with the evidence, and says why there is none otherwise', () => {
    // Prepare
    const summary = {
      requests: 5,
      byRequest: [{ verb: 'get', resource: 'pods', namespace: 'payments', count: 4 }],
      sessions: [{ kind: 'exec' as const, namespace: 'payments', pod: 'api-1', command: 'sh', at: '2026-11-03T10:10:00.000Z', allowed: true }],
      secretsRead: [{ namespace: 'payments', name: 'db', verb: 'get', count: 1 }],
      denied: [{ verb: 'delete', resource: 'pods', namespace: 'payments', count: 1 }],
      omitted: 3,
      elsewhere: 2,
    };
    const end = { ended: '2026-11-03T11:00:00.000Z', cause: 'manual' as const, endNote: 'done' };
    const recorded = leaseRecord({ id: 'c0000000000000000011', requester: alice, ticket: 'OPS-11', ...times, ...end, evidence: evidenceOf(times.started, end.ended, summary) });
    const failedToCollect = leaseRecord({
      id: 'c0000000000000000012', requester: alice, ticket: 'OPS-12', ...times, ...end,
      evidence: { collectedAt: end.ended, from: times.started, to: end.ended, events: 0, error: 'the audit log could not be read' },
    });
    const never = leaseRecord({ id: 'c0000000000000000013', requester: alice, ticket: 'OPS-13', created: times.created, expires: times.expires, ended: '2026-11-03T10:00:02.000Z', failure: 'refused' });
    const open = leaseRecord({ id: 'c0000000000000000014', requester: alice, ticket: 'OPS-14', ...times });
    const old = leaseRecord({ id: 'c0000000000000000015', requester: alice, ticket: 'OPS-15', ...times, ...end });
    // Act
    const rows = [recorded, failedToCollect, never, open, old].map(rowOf);
    // Assess
    expect(rows.map((r) => [r.activityStatus, r.activityError, r.activity === null])).toEqual([
      ['recorded', null, false],
      ['not collected', 'the audit log could not be read', true],
      ['no access', null, true],
      ['after the end', null, true],
      ['not recorded', null, true],
    ]);
    expect(rows[0]?.activity).toEqual({
      from: times.started,
      to: end.ended,
      requests: 5,
      byRequest: summary.byRequest,
      sessions: summary.sessions,
      secretsRead: summary.secretsRead,
      refused: summary.denied,
      omitted: 3,
      elsewhere: 2,
    });
    // Shown as stored: without a verified seal it is never called intact.
    expect(rows[0]?.evidence).toBe('no seal: not verifiable');
  });
});

describe('buildAccessReport: denials with their people', () => {
  it('names the requester, the approvers and the approval kind, and null (not recorded) on older denials', () => {
    // Prepare
    const at = '2026-11-03T10:00:00.000Z';
    const denials = [
      denialRecord('OPS-21', 'self-approval', at, 'own approval', { requester: alice, approvers: [alice], approvalKind: 'person' }),
      denialRecord('OPS-22', 'on-call-not-on-call', '2026-11-03T10:01:00.000Z', 'not on call', { requester: { id: 'u-erin', displayName: 'Erin' }, approvers: [], approvalKind: 'on-call' }),
      denialRecord('OPS-23', 'duration-over-max', '2026-11-03T10:02:00.000Z', 'too long', { requester: bob, approvers: [alice, bob] }),
      denialRecord('OPS-24', 'self-approval', '2026-11-03T10:03:00.000Z'),
    ];
    // Act
    const report = buildAccessReport({ leases: [], denials, period: EXAMPLE_PERIOD, now: EXAMPLE_NOW });
    // Assess
    expect(report.denials.map((d) => [d.ticketKey, d.requester, d.approvers, d.approvalKind])).toEqual([
      ['OPS-21', 'alice@example.com', ['alice@example.com'], 'person'],
      ['OPS-22', 'u-erin', [], 'on-call'],
      ['OPS-23', 'bob@example.com', ['alice@example.com', 'bob@example.com'], null],
      ['OPS-24', null, null, null],
    ]);
  });
});
