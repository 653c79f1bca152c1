import { describe, expect, it } from '@jest/globals';
import { inWindow, openedSessions, parseAuditEvent, summarizeActivity, type AuditEvent } from '../../lib/domain/activity.js';
import { evidenceDigest } from '../../lib/domain/evidence-digest.js';
import { evidenceMessage, sessionsLines } from '../../lib/domain/activity-messages.js';
import { leaseFixture } from '../support/lease-fixture.js';

let n = 0;
/** An audit.k8s.io/v1 Event as kube-apiserver writes it (the fields kube-lease reads, and some it does not). */
function raw(o: { verb: string; resource?: string; sub?: string; ns?: string; name?: string; code?: number; uri?: string; stage?: string; id?: string; user?: string; at?: string }): unknown {
  n += 1;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: o.id ?? `id-${n}`,
    stage: o.stage ?? 'ResponseComplete',
    requestURI: o.uri ?? `/api/v1/namespaces/${o.ns ?? 'payments'}/${o.resource ?? 'pods'}`,
    verb: o.verb,
    user: { username: o.user ?? 'alice@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.1'],
    objectRef: { resource: o.resource ?? 'pods', namespace: o.ns ?? 'payments', name: o.name, subresource: o.sub, apiVersion: 'v1' },
    responseStatus: o.code === undefined ? undefined : { metadata: {}, code: o.code },
    requestReceivedTimestamp: o.at ?? '2026-01-01T00:10:00.000000Z',
    stageTimestamp: o.at ?? '2026-01-01T00:10:00.100000Z',
  };
}
const parsed = (events: unknown[]): AuditEvent[] => events.flatMap((e) => parseAuditEvent(e) ?? []);
const exec = (pod: string, stage: string, code: number, id: string) =>
  raw({ verb: 'create', sub: 'exec', name: pod, id, stage, code, uri: `/api/v1/namespaces/payments/pods/${pod}/exec?command=sh&command=-c&command=cat%20%2Fetc%2Fhosts&container=app&stdin=true&tty=true` });

describe('activity summary', () => {
  it('counts each request once across its stages, and reads exec commands, secrets and denials', () => {
    // Prepare
    const events = parsed([
      raw({ verb: 'list', code: 200 }),
      raw({ verb: 'get', name: 'api-1', code: 200 }),
      raw({ verb: 'get', name: 'api-2', code: 200 }),
      exec('api-1', 'ResponseStarted', 101, 'x1'),
      exec('api-1', 'ResponseComplete', 101, 'x1'),
      raw({ verb: 'get', resource: 'secrets', name: 'db-password', code: 200 }),
      raw({ verb: 'delete', name: 'api-1', code: 403 }),
      { kind: 'EventList' },
      'not json at all',
    ]);
    // Act
    const summary = summarizeActivity(events);
    // Assess
    expect(summary.requests).toBe(6);
    expect(summary.byRequest).toContainEqual({ verb: 'get', resource: 'pods', namespace: 'payments', count: 2 });
    expect(summary.sessions).toEqual([expect.objectContaining({ kind: 'exec', pod: 'api-1', container: 'app', command: 'sh -c cat /etc/hosts', allowed: true })]);
    expect(summary.secretsRead).toEqual([{ namespace: 'payments', name: 'db-password', verb: 'get', count: 1 }]);
    expect(summary.denied).toEqual([{ verb: 'delete', resource: 'pods', namespace: 'payments', count: 1 }]);
  });

  it('bounds every list and counts what it left out', () => {
    // Prepare
    const events = parsed(Array.from({ length: 30 }, (_, i) => raw({ verb: 'get', ns: `ns-${i}`, code: 200 })));
    // Act
    const summary = summarizeActivity(events, 25);
    // Assess
    expect(summary.byRequest).toHaveLength(25);
    expect(summary.omitted).toBe(5);
    expect(summary.requests).toBe(30);
  });

  it('the digest is the same for the same evidence and changes with any count, the window or the number of events', () => {
    // Prepare
    const events = parsed([raw({ verb: 'get', code: 200 }), raw({ verb: 'list', code: 200 })]);
    const evidence = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', events: 2, summary: summarizeActivity(events) };
    const digest = evidenceDigest(evidence);
    // Act
    const again = evidenceDigest({ ...evidence, summary: JSON.parse(JSON.stringify(summarizeActivity([...events].reverse()))) as typeof evidence.summary });
    const changed = [
      evidenceDigest({ ...evidence, summary: { ...evidence.summary, requests: 3 } }),
      evidenceDigest({ ...evidence, to: '2026-01-01T00:30:00.000Z' }),
      evidenceDigest({ ...evidence, events: 1 }),
    ];
    // Assess
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(again).toBe(digest);
    for (const other of changed) expect(other).not.toBe(digest);
  });

  it('keeps only the user\'s events in the window; denied streams are not open sessions', () => {
    // Prepare
    const events = parsed([
      raw({ verb: 'get', code: 200, user: 'bob@example.com' }),
      raw({ verb: 'get', code: 200, at: '2025-12-31T23:00:00.000000Z' }),
      raw({ verb: 'get', code: 200 }),
      exec('api-9', 'ResponseComplete', 403, 'x9'),
    ]);
    // Act
    const mine = events.filter((e) => inWindow(e, 'alice@example.com', new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T01:00:00Z')));
    // Assess
    expect(mine).toHaveLength(2);
    expect(openedSessions(mine)).toEqual([]);
  });

  it('the evidence comment states the counts and the digest; the revoke lines list streams and what became of their pods', () => {
    // Prepare
    const lease = leaseFixture('e0000000000000000001', '2026-01-01T01:00:00.000Z', 'REVOKED');
    const summary = summarizeActivity(parsed([raw({ verb: 'get', resource: 'secrets', name: 'db', code: 200 }), exec('api-1', 'ResponseComplete', 101, 'x2')]));
    const digest = evidenceDigest({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', events: 2, summary });
    // Act
    const comment = evidenceMessage(lease, { collectedAt: '2026-01-01T01:06:00.000Z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', events: 2, summary, digest }, 300);
    const lines = sessionsLines({ at: '2026-01-01T01:00:00.000Z', seen: summary.sessions, pods: [{ namespace: 'payments', pod: 'api-1', outcome: 'kept', why: 'a bare pod' }] });
    // Assess
    expect(comment).toContain('Requests: 2');
    expect(comment).toContain('Secrets read: payments/db (get ×1)');
    expect(comment).toContain('exec into payments/api-1 (container app): "sh -c cat /etc/hosts"');
    expect(comment).toContain(digest);
    expect(lines.join('\n')).toContain('may outlive the binding');
    expect(lines.join('\n')).toContain('Not ended: pod payments/api-1 could not be ended: a bare pod. Its streams may still be open; a person must check it.');
  });
});
