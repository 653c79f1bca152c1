import { describe, expect, it } from '@jest/globals';
import { runDemo } from '../demo/demo.js';

describe('local mode end to end (npm run demo)', () => {
  it('approves, grants, expires and revokes over HTTP (Jira, a scheduled ServiceNow change, on-call and break-glass), in seconds', async () => {
    const lines: string[] = [];
    const result = await runDemo({ durationSeconds: 2, print: (line) => lines.push(line) });

    expect(result.grantResponse).toMatchObject({ status: 200, body: { outcome: 'granted' } });
    expect(result.bindingsWhileActive).toHaveLength(1);
    expect(result.bindingsWhileActive[0]?.metadata.namespace).toBe('payments');
    expect(result.bindingsAfterExpiry).toEqual([]);
    expect(result.lease?.status).toBe('REVOKED');
    expect(result.lease?.revokeCause).toBe('expiry');
    // Never before expiry, and by the expiry timer rather than the once-a-minute sweep (how soon is
    // the bench's figure, measured on an idle machine; a timed assertion here fails under load).
    expect(result.revocationLagMs).toBeGreaterThanOrEqual(0);
    expect(result.revocationLagMs).toBeLessThan(60_000);
    // Granted, revoked, and the activity evidence from the API server's audit log file.
    expect(result.comments['OPS-101']).toHaveLength(3);
    expect(result.comments['OPS-101']?.[2]).toMatch(/^Activity during lease [0-9a-f]{20} by User alice@example.com/);
    expect(result.comments['OPS-101']?.[2]).toContain('Requests denied: get secrets in payments ×1.');
    expect(result.comments['OPS-101']?.[2]).toContain(result.lease?.evidence?.digest ?? 'no digest');
    expect(result.comments['OPS-102']?.[0]).toContain('Access denied');
    expect(result.denyResponse).toMatchObject({ status: 200, body: { outcome: 'denied', code: 'self-approval' } });
    expect(result.serviceNowResponse).toMatchObject({ status: 200, body: { outcome: 'scheduled' } });
    expect(result.serviceNowBindingsBeforeStart).toBe(0);
    expect(result.serviceNowBindingsAfterStart).toBe(1);
    expect(result.serviceNowLease?.status).toBe('REVOKED');
    expect(result.serviceNowLease?.history.map((h) => h.to)).toEqual(['SCHEDULED', 'ACTIVE', 'ACTIVE', 'REVOKED']);
    expect(result.serviceNowLease?.history.map((h) => h.note)).toContain('grant announced');
    // The exec stream through the payments-debug lease ended with its pod at revoke (onRevoke: sessions: end).
    expect(result.execStreamEnded).toBe(true);
    const notes = (result.comments[result.serviceNowLease?.ticketKey ?? ''] ?? []).join('\n');
    expect(notes).toContain('Ended: pod payments/api-7d9c6b-x2x4q evicted (its controller ReplicaSet api-7d9c6b recreates it)');
    expect(notes).toMatch(/Sessions \(exec, attach, port-forward, or WebSocket \(upgraded\) request through pods\/proxy or services\/proxy\): 1:\n- exec into payments\/api-7d9c6b-x2x4q \(container app\): "sh"/);
    // Incident access: an on-call grant (PagerDuty shows alice on call on the schedule), a break-glass
    // grant, and a second break-glass the per-day limit refuses; both leases expire with the others.
    expect(result.emergency.onCallResponse).toMatchObject({ status: 200, body: { outcome: 'granted' } });
    expect(result.emergency.pagerDutyPaths).toEqual(['/users', '/oncalls']);
    expect(result.emergency.bindings).toEqual({ onCall: 1, breakGlass: 1 });
    expect(result.comments['OPS-103']?.[0]).toMatch(/^Approved \(on-call\): the requester was on call per PagerDuty \(alice@example.com as user P\d+ on schedule PSC0001 "Payments primary" level 1, checked /m);
    expect(result.onCallLease).toMatchObject({ status: 'REVOKED', approvalKind: 'on-call', onCall: { via: { type: 'schedule', id: 'PSC0001' } } });
    expect(result.emergency.breakGlassResponse).toMatchObject({ status: 200, body: { outcome: 'granted' } });
    expect(result.comments['OPS-104']?.[0]).toContain('Approved (break-glass): the requester approved their own request through break-glass');
    expect(result.breakGlassLease).toMatchObject({ status: 'REVOKED', approvalKind: 'break-glass' });
    // As short as asked (the break-glass maximum is 30m).
    expect(Date.parse(result.breakGlassLease?.expiresAt ?? '') - Date.parse(result.breakGlassLease?.startsAt ?? '')).toBe(2000);
    expect(result.emergency.secondBreakGlassResponse).toMatchObject({ status: 200, body: { outcome: 'denied', code: 'break-glass-limit' } });
    expect(result.comments['OPS-105']?.[0]).toContain('the requester already used break-glass 1 time(s) today (UTC)');
    expect(lines.join('\n')).toContain('kube-lease asked PagerDuty: GET /users, GET /oncalls');
    // Each emergency lease opened one review task (a Jira issue in SEC), and its ticket was told which.
    expect(result.emergency.reviewTasks).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/review task SEC-\d+: "[^"]+", watched by 1 approver\(s\)/);
    expect(result.audit.filter((e) => e.kind === 'grant').map((e) => e.approvalKind).sort()).toEqual(['break-glass', 'on-call', 'person', 'person']);
    // Each review task is opened once (its evidence follows when collected, which may be after the demo ends).
    expect(result.audit.filter((e) => e.kind === 'review' && e.reviewTask?.event === 'opened')).toHaveLength(2);
    expect([...result.audit.filter((e) => e.kind !== 'review').map((e) => e.kind)].sort()).toEqual([
      ...['activity', 'activity', 'activity', 'activity', 'deny', 'deny', 'end-session'],
      ...['grant', 'grant', 'grant', 'grant', 'revoke', 'revoke', 'revoke', 'revoke', 'schedule', 'verify', 'verify', 'verify', 'verify'],
    ]);
    expect(lines.join('\n')).toContain('"kind": "RoleBinding"');
    // Step 1 asked from the terminal (kube-lease request --wait) and waited until the cluster said yes.
    expect(lines.join('\n')).toContain('filed OPS-101: ');
    expect(lines.join('\n')).toContain('access is live: the cluster (context demo) says you can get pods in payments');
    // About 10 s alone on this machine; it ran past 30 s once while three test runs shared the two cores.
  }, 90_000);
});
