import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { AUDIT_STREAM_PREFIX, readCloudWatchAudit } from '../../lib/adapters/activity/cloudwatch-activity-log.js';
import { readCloudWatchUnreadable } from '../../lib/adapters/activity/cloudwatch-unreadable.js';
import { cutOffStreams } from '../../lib/domain/activity-unreadable.js';
import type { RetryPolicy } from '../../lib/retry.js';
import { FakeCloudWatchLogs } from '../fakes/fake-cloudwatch-logs.js';

/*
 * Review of issue 23 items 5 and 6 (offensive, a lease holder): "activity cannot be hidden". A client
 * chooses its request's URI: an exec whose command is padded (or any request with a padded query
 * string; Go's JSON escapes `&` as \u0026, six bytes each) makes the audit event larger than a
 * CloudWatch Logs event may be (256 KiB, 1 MiB since 2025), while kube-apiserver accepts request
 * lines up to 1 MiB. EKS's control-plane logs then hold the event truncated, as invalid JSON (Falco's
 * k8saudit-eks plugin met exactly that: falcosecurity/plugins#297). kube-apiserver writes
 * `requestURI` before `user`, so the truncated line does not even name the user. kube-lease's JSON
 * filter pattern never matches it: the shell is not listed, not ended at revoke, and the evidence
 * says the log shows no such stream, as if the window were empty.
 */

const GROUP = '/aws/eks/shop-prod/cluster';
const STREAM = `${AUDIT_STREAM_PREFIX}-0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
const FROM = new Date('2026-03-01T10:00:00.000Z');
const TO = new Date('2026-03-01T11:00:00.000Z');
const ALICE = 'alice@example.com';
const noWait: RetryPolicy = { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, remainingMs: () => 60_000 };
/** CloudWatch Logs' classic event size limit; EKS ships longer events cut at it. */
const EVENT_LIMIT = 256 * 1024;

/** An exec audit event in kube-apiserver's field order, its command padded by the client. */
function paddedExec(at: Date): string {
  // `sh -c "<100,000 spaces>bash"`: a working shell, 300 KB of URI (under kube-apiserver's 1 MiB request-line limit).
  const padded = `command=sh&command=-c&command=${'%20'.repeat(100_000)}bash`;
  const event = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: '6d1f0b7e-9a43-4c2b-8f1e-2b7a5c9d0e11',
    stage: 'ResponseStarted',
    requestURI: `/api/v1/namespaces/shop/pods/web-0/exec?${padded}&container=web&stdin=true&stdout=true&tty=true`,
    verb: 'create',
    user: { username: ALICE, groups: ['system:authenticated'] },
    objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0', apiVersion: 'v1', subresource: 'exec' },
    responseStatus: { metadata: {}, code: 101 },
    requestReceivedTimestamp: at.toISOString(),
    stageTimestamp: at.toISOString(),
  };
  return JSON.stringify(event);
}

describe('review: an audit event too large for CloudWatch Logs', () => {
  let fake: FakeCloudWatchLogs;
  let client: CloudWatchLogsClient;

  beforeEach(async () => {
    fake = new FakeCloudWatchLogs();
    const endpoint = await fake.start();
    client = new CloudWatchLogsClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' }, maxAttempts: 3 });
  });
  afterEach(async () => {
    client.destroy();
    await fake.stop();
  });

  it('never reads as an empty window when the log holds an event it cannot read', async () => {
    // Prepare: the holder's padded exec, as the log group holds it (cut at the event size limit).
    const at = new Date(FROM.getTime() + 10 * 60_000);
    const full = paddedExec(at);
    expect(Buffer.byteLength(full)).toBeGreaterThan(EVENT_LIMIT);
    fake.putEvents(GROUP, STREAM, [{ timestamp: at.getTime(), message: full.slice(0, EVENT_LIMIT - 26) }]);
    // Act: the user's events (JSON filter), and the revoke's one search for cut-off lines in the lease's namespace.
    const read = await readCloudWatchAudit(client, { logGroup: GROUP }, { username: ALICE, from: FROM, to: TO }, { retry: noWait });
    const cut = await readCloudWatchUnreadable(client, { logGroup: GROUP }, { username: ALICE, from: FROM, to: TO, namespaces: ['shop'], scope: 'pods', maxPages: 1 }, { retry: noWait });
    // Assess: the window is not empty; the read must say that something in it could not be read.
    expect(read.events.length + cut.count).toBeGreaterThan(0);
    expect(cut).toMatchObject({ count: 1, complete: true });
    // ...and name the exec's pod from the line's readable start, its user unknown.
    expect(cutOffStreams(cut.lines, ['shop'])).toEqual([{ kind: 'exec', namespace: 'shop', pod: 'web-0', at: at.toISOString(), allowed: true, cutOff: true }]);
    expect(fake.filterCalls()).toHaveLength(2);
  });
});
