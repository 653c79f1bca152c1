import { describe, expect, it } from '@jest/globals';
import { openedSessions, parseAuditEvent, type AuditEvent } from '../../lib/domain/activity.js';
import { sessionsLines } from '../../lib/domain/activity-messages.js';

/*
 * Review of issue 23 item 6 ("every stream listed", offensive, a lease holder with kubectl). The
 * pods/proxy subresource (in the edit and admin ClusterRoles) proxies WebSocket upgrades: a
 * `101 Switching Protocols` answer to GET .../pods/<pod>/proxy/<path> is a stream authorized once,
 * when it opens, exactly like exec (a web terminal such as ttyd/gotty in a pod the holder deployed
 * gives a shell through it). kube-lease lists and ends exec, attach and port-forward only: such a
 * stream is neither listed at revoke nor ended, and the revoke comment reads "the audit log shows no
 * exec, attach or port-forward", which an approver reads as "nothing left open".
 */
function proxyUpgrade(): AuditEvent {
  const at = '2026-03-02T10:05:00.123456Z';
  const parsed = parseAuditEvent({
    kind: 'Event',
    auditID: '5b1f3c0e-7a55-4c57-9d0b-2f8a3e1c9d10',
    stage: 'ResponseStarted',
    verb: 'get',
    requestURI: '/api/v1/namespaces/payments/pods/web-term-0/proxy/ws',
    user: { username: 'alice@example.com', groups: ['system:authenticated'] },
    objectRef: { resource: 'pods', subresource: 'proxy', namespace: 'payments', name: 'web-term-0', apiVersion: 'v1' },
    responseStatus: { code: 101 },
    requestReceivedTimestamp: at,
    stageTimestamp: at,
  });
  if (parsed === undefined) throw new Error('not an audit event');
  return parsed;
}

describe('review: a WebSocket through pods/proxy is a stream that outlives the binding', () => {
  it('lists an upgraded pods/proxy request among the streams that may outlive the binding', () => {
    // Prepare
    const events = [proxyUpgrade()];
    // Act
    const streams = openedSessions(events);
    const lines = sessionsLines({ at: '2026-03-02T10:30:00Z', seen: streams, pods: [] });
    // Assess: the stream is listed (and so can be ended), not summed up as "no exec, attach or port-forward".
    expect(streams).toHaveLength(1);
    expect(lines.join('\n')).toContain('web-term-0');
  });
});
