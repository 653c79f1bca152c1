import { describe, expect, it } from '@jest/globals';
import { runDemo } from '../demo/demo.js';

describe('local mode end to end (npm run demo)', () => {
  it('approves, grants, expires and revokes over HTTP (Jira and a scheduled ServiceNow change), in seconds', async () => {
    const lines: string[] = [];
    const result = await runDemo({ durationSeconds: 2, print: (line) => lines.push(line) });

    expect(result.grantResponse).toMatchObject({ status: 200, body: { outcome: 'granted' } });
    expect(result.bindingsWhileActive).toHaveLength(1);
    expect(result.bindingsWhileActive[0]?.metadata.namespace).toBe('payments');
    expect(result.bindingsAfterExpiry).toEqual([]);
    expect(result.lease?.status).toBe('REVOKED');
    expect(result.lease?.revokeCause).toBe('expiry');
    // Never before expiry; in local mode well under a second after it.
    expect(result.revocationLagMs).toBeGreaterThanOrEqual(0);
    expect(result.revocationLagMs).toBeLessThan(1500);
    expect(result.comments['OPS-101']).toHaveLength(2);
    expect(result.comments['OPS-102']?.[0]).toContain('Access denied');
    expect(result.denyResponse).toMatchObject({ status: 200, body: { outcome: 'denied', code: 'self-approval' } });
    expect(result.serviceNowResponse).toMatchObject({ status: 200, body: { outcome: 'scheduled' } });
    expect(result.serviceNowBindingsBeforeStart).toBe(0);
    expect(result.serviceNowBindingsAfterStart).toBe(1);
    expect(result.serviceNowLease?.status).toBe('REVOKED');
    expect(result.serviceNowLease?.history.map((h) => h.to)).toEqual(['SCHEDULED', 'ACTIVE', 'REVOKED']);
    expect([...result.audit.map((e) => e.kind)].sort()).toEqual(['deny', 'grant', 'grant', 'revoke', 'revoke', 'schedule']);
    expect(lines.join('\n')).toContain('"kind": "RoleBinding"');
  });
});
