import { describe, expect, it } from '@jest/globals';
import { openedSessions, parseAuditEvent, summarizeActivity, type AuditEvent } from '../../lib/domain/activity.js';
import { evidenceMessage, sessionsLines } from '../../lib/domain/activity-messages.js';

/** An audit event of a request through `resource`/proxy to `name`, answered `code`. */
function proxied(resource: 'pods' | 'services', name: string, path: string, code: number): AuditEvent {
  const at = '2026-03-02T10:05:00.123456Z';
  const parsed = parseAuditEvent({
    kind: 'Event',
    auditID: `id-${resource}-${name}-${code}`,
    stage: 'ResponseComplete',
    verb: 'get',
    requestURI: `/api/v1/namespaces/payments/${resource}/${name}/proxy${path}`,
    user: { username: 'alice@example.com', groups: ['system:authenticated'] },
    objectRef: { resource, subresource: 'proxy', namespace: 'payments', name, apiVersion: 'v1' },
    responseStatus: { code },
    requestReceivedTimestamp: at,
    stageTimestamp: at,
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}

describe('streams through pods/proxy and services/proxy', () => {
  it('takes a scheme and port off a pods/proxy name, and keeps the proxied path, cleaned', () => {
    // Act
    const [stream] = openedSessions([proxied('pods', 'https:web-term-0:8443', '/ws?token=abc', 101)]);
    // Assess
    expect(stream).toMatchObject({ kind: 'proxy', namespace: 'payments', pod: 'web-term-0', command: 'port 8443 path /ws', allowed: true });
  });

  it('lists a services/proxy upgrade as a stream into a service, says it is not ended, and never reads it as a pod', () => {
    // Prepare
    const events = [proxied('services', 'web-term:http', '/ws', 101)];
    // Act
    const streams = openedSessions(events);
    const lines = sessionsLines({ at: '2026-03-02T10:30:00Z', seen: streams, pods: [] }).join('\n');
    // Assess
    expect(streams).toEqual([{ kind: 'service-proxy', namespace: 'payments', pod: 'web-term', command: 'port http path /ws', at: '2026-03-02T10:05:00.123456Z', allowed: true }]);
    expect(lines).toContain('through services/proxy into service payments/web-term (port http path /ws)');
    expect(lines).toContain('a service, not a pod: the audit log does not say which pod served it, and kube-lease does not end it');
    expect(lines).not.toContain('pod payments/web-term');
  });

  it('does not count a proxied request answered without an upgrade (200, 403, 502) as a stream', () => {
    // Prepare
    const events = [proxied('pods', 'web-0', '/', 200), proxied('pods', 'web-0:8080', '/ws', 403), proxied('services', 'web', '/ws', 502)];
    // Act
    const summary = summarizeActivity(events);
    // Assess
    expect(openedSessions(events)).toEqual([]);
    expect(summary.sessions).toEqual([]);
    expect(summary.requests).toBe(3);
  });

  it('names every kind of stream it looks for on a revoke with none, and in the evidence', () => {
    // Act
    const none = sessionsLines({ at: '2026-03-02T10:30:00Z', seen: [], pods: [] }).join('\n');
    const summary = summarizeActivity([proxied('pods', 'web-0', '/ws', 101)]);
    const lease = { id: 'l-1', subject: { kind: 'User', name: 'alice@example.com' }, cluster: 'demo' } as unknown as Parameters<typeof evidenceMessage>[0];
    const evidence = evidenceMessage(lease, { collectedAt: '2026-03-02T11:00:00Z', from: '2026-03-02T10:00:00Z', to: '2026-03-02T10:30:00Z', events: 1, summary, digest: 'sha256:x' }, 60);
    // Assess
    expect(none).toContain('no exec, attach, port-forward, or WebSocket (upgraded) request through pods/proxy or services/proxy');
    expect(evidence).toContain('WebSocket (upgraded request) through pods/proxy into pod payments/web-0 (path /ws)');
  });
});
