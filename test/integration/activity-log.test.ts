import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { makeActivityLog } from '../../lib/adapters/activity/activity-log.js';
import { AUDIT_STREAM_PREFIX, readCloudWatchAudit, userFilterPattern } from '../../lib/adapters/activity/cloudwatch-activity-log.js';
import { readAuditFile } from '../../lib/adapters/activity/file-activity-log.js';
import { parseAuditEvent, sessionOf } from '../../lib/domain/activity.js';
import type { ClusterConfig } from '../../lib/domain/catalog.js';
import { withDeadline } from '../../lib/deadline.js';
import { ActivityLogError } from '../../lib/errors.js';
import type { RetryPolicy } from '../../lib/retry.js';
import { FakeCloudWatchLogs } from '../fakes/fake-cloudwatch-logs.js';
import { MemoryLogger } from '../fakes/memory-audit-log.js';
import { auditEvent, auditLine, auditLogEvent, requestUriOf, type AuditEventSpec } from '../fixtures/audit-events.js';

const GROUP = '/aws/eks/shop-prod/cluster';
const STREAM = `${AUDIT_STREAM_PREFIX}-0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
const FROM = new Date('2026-03-01T10:00:00.000Z');
const TO = new Date('2026-03-01T11:00:00.000Z');
const ALICE = 'alice@example.com';
const window = { username: ALICE, from: FROM, to: TO };
/** Our retries on top of the SDK's, without sleeping. */
const noWait: RetryPolicy = { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, remainingMs: () => 60_000 };
const minutes = (n: number) => new Date(FROM.getTime() + n * 60_000);
const exec = (at: Date, extra: Partial<AuditEventSpec> = {}): AuditEventSpec => ({
  user: ALICE, verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-0', command: ['sh', '-c', 'ls'], at, ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<ActivityLogError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ActivityLogError);
  return error as ActivityLogError;
}

/** The real SDK client over HTTP against the CloudWatch Logs JSON protocol: paging, errors and retries as in AWS. */
describe('readCloudWatchAudit (fake CloudWatch Logs endpoint)', () => {
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

  it('reads every page of the user’s events, asking for the audit streams and the user in the window', async () => {
    // Prepare: 12 events on 5-event pages: 3 pages.
    fake.putEvents(GROUP, STREAM, Array.from({ length: 12 }, (_, i) => auditLogEvent(exec(minutes(i + 1), { name: `web-${i}` }))));
    // Act
    const read = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait });
    // Assess
    expect(read.events.map((e) => e.objectRef?.name)).toEqual(Array.from({ length: 12 }, (_, i) => `web-${i}`));
    expect(read.skipped).toBe(0);
    const calls = fake.filterCalls();
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ logGroupName: GROUP, logStreamNamePrefix: 'kube-apiserver-audit', filterPattern: '{ $.user.username = "alice@example.com" }' });
    expect(calls[0]?.nextToken).toBeUndefined();
    expect(calls[1]?.nextToken).toEqual(expect.any(String));
    expect(calls[2]?.nextToken).not.toEqual(calls[1]?.nextToken);
    expect(calls[0]?.startTime).toBeLessThanOrEqual(FROM.getTime());
    expect(calls[0]?.endTime).toBeGreaterThanOrEqual(TO.getTime());
  });

  it('returns only the user’s events: the service’s filter selects them, and each is checked again', async () => {
    // Prepare: bob in the log; then a page (served as the service would if its filter matched loosely) mixing both.
    fake.putEvents(GROUP, STREAM, [auditLogEvent(exec(minutes(1))), auditLogEvent(exec(minutes(2), { user: 'bob@example.com' }))]);
    const mixed = [auditLogEvent(exec(minutes(3), { user: 'bob@example.com', name: 'bob-pod' })), auditLogEvent(exec(minutes(4), { name: 'alice-pod' }))];
    // Act
    const filtered = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait });
    fake.failNext({
      pathIncludes: '/',
      response: { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: { events: mixed.map((e, i) => ({ ...e, logStreamName: STREAM, ingestionTime: e.timestamp, eventId: `${i}` })), searchedLogStreams: [] } },
    });
    const loose = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait });
    // Assess
    expect(filtered.events.map((e) => e.username)).toEqual([ALICE]);
    expect(loose.events.map((e) => [e.username, e.objectRef?.name])).toEqual([[ALICE, 'alice-pod']]);
  });

  it('keeps the events whose requests arrived in the window, both ends included, wherever their stages were logged', async () => {
    // Prepare
    fake.putEvents(GROUP, STREAM, [
      auditLogEvent(exec(new Date(FROM.getTime() - 1), { name: 'just-before' })),
      auditLogEvent(exec(FROM, { name: 'at-start' })),
      // A 3-minute exec that began in the window: its last stage is stamped after the window's end.
      auditLogEvent(exec(new Date(TO.getTime() - 60_000), { name: 'long-session', durationMs: 3 * 60_000 })),
      auditLogEvent(exec(TO, { name: 'at-end' })),
      auditLogEvent(exec(new Date(TO.getTime() + 1), { name: 'just-after' })),
      auditLogEvent(exec(new Date(TO.getTime() + 3_600_000), { name: 'an-hour-later' })),
    ]);
    // Act
    const read = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait });
    // Assess (in the log's order: the long session's last stage was logged last)
    expect(read.events.map((e) => e.objectRef?.name)).toEqual(['at-start', 'at-end', 'long-session']);
  });

  it('rides out throttling: the SDK retries the page and the read completes', async () => {
    // Prepare
    fake.putEvents(GROUP, STREAM, Array.from({ length: 7 }, (_, i) => auditLogEvent(exec(minutes(i + 1)))));
    fake.throttleNext(2);
    // Act
    const read = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait });
    // Assess: 2 throttled calls, then both pages.
    expect(read.events).toHaveLength(7);
    expect(fake.filterCalls()).toHaveLength(4);
  });

  it('gives up with a retryable ActivityLogError when throttling outlasts the SDK’s attempts and ours', async () => {
    // Prepare: 3 SDK attempts × 2 of ours.
    fake.putEvents(GROUP, STREAM, [auditLogEvent(exec(minutes(1)))]);
    fake.throttleNext(6);
    // Act
    const error = await rejection(readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait }));
    // Assess
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ThrottlingException');
    expect(error.message).toContain(GROUP);
    expect(fake.filterCalls()).toHaveLength(6);
  });

  it('turns a missing log group into a final error that says to turn on the audit log type', async () => {
    // Act
    const error = await rejection(readCloudWatchAudit(client, { logGroup: '/aws/eks/other/cluster', region: 'eu-west-1' }, window, { retry: noWait }));
    // Assess
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('/aws/eks/other/cluster in eu-west-1');
    expect(error.message).toContain('turn on the EKS `audit` control-plane log type');
    expect(fake.filterCalls()).toHaveLength(1);
  });

  it('turns AccessDeniedException into a final error naming the log group and the permission', async () => {
    // Prepare
    fake.putEvents(GROUP, STREAM, [auditLogEvent(exec(minutes(1)))]);
    fake.deny(GROUP);
    // Act
    const error = await rejection(readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait }));
    // Assess
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(GROUP);
    expect(error.message).toContain('logs:FilterLogEvents');
    expect(fake.filterCalls()).toHaveLength(1);
  });

  it('reads through the empty pages a large log group answers while it searches (events: [], a next token), within their own bound', async () => {
    // Prepare: 60 events of bob's, then 1 of alice's; each call searches 4 stored events, as on a large group.
    fake.scanSize = 4;
    const bobs = Array.from({ length: 60 }, (_, i) => auditLogEvent(exec(new Date(minutes(1).getTime() + i * 1000), { user: 'bob@example.com' })));
    fake.putEvents(GROUP, STREAM, [...bobs, auditLogEvent(exec(minutes(30)))]);
    // Act
    const whole = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait, maxPages: 2 });
    const calls = fake.filterCalls().length;
    const tooFew = await rejection(readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait, maxPages: 1 }));
    // Assess: 16 calls (61 events, 4 a call), 15 of them empty pages; with room for 10 empty pages only, it fails, never cut short.
    expect(whole.events).toHaveLength(1);
    expect(calls).toBe(16);
    expect(tooFew.retryable).toBe(false);
    expect(tooFew.message).toContain('without reaching the end of the window');
  });

  it('refuses to return a cut-off list: past the page cap the read fails, at the cap it completes', async () => {
    // Prepare: 15 events = 3 full pages (the third has no next token).
    fake.putEvents(GROUP, STREAM, Array.from({ length: 15 }, (_, i) => auditLogEvent(exec(minutes(i + 1)))));
    // Act
    const error = await rejection(readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait, maxPages: 2 }));
    const callsAtCap = fake.filterCalls().length;
    const whole = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait, maxPages: 3 });
    // Assess
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('incomplete');
    expect(callsAtCap).toBe(2);
    expect(whole.events).toHaveLength(15);
  });

  it('skips and counts lines of the audit streams that match the user but are not audit events', async () => {
    // Prepare: the text line never comes back (a JSON filter pattern matches JSON only); the other two do.
    fake.putEvents(GROUP, STREAM, [
      auditLogEvent(exec(minutes(1))),
      { timestamp: minutes(2).getTime(), message: `I0301 10:02:00.000000 1 trace.go:236] Trace[1]: "List" user:${ALICE}` },
      { timestamp: minutes(3).getTime(), message: JSON.stringify({ kind: 'EventList', user: { username: ALICE } }) },
      { timestamp: minutes(4).getTime(), message: JSON.stringify({ ...auditEvent(exec(minutes(4))), requestReceivedTimestamp: 'yesterday', stageTimestamp: 'yesterday' }) },
      auditLogEvent(exec(minutes(5))),
    ]);
    // Act
    const read = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait });
    // Assess
    expect(read.events).toHaveLength(2);
    expect(read.skipped).toBe(2);
  });

  it('does not see audit events before CloudWatch Logs has ingested them (why evidence waits `delay`)', async () => {
    // Prepare: the last exec is ingested 90 s after it happened; the fake's clock is 30 s past it.
    const late = exec(minutes(50), { name: 'late' });
    fake.putEvents(GROUP, STREAM, [auditLogEvent(exec(minutes(10), { name: 'early' })), { ...auditLogEvent(late), ingestionTime: minutes(50).getTime() + 90_000 }]);
    fake.now = minutes(50).getTime() + 30_000;
    // Act
    const before = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait });
    fake.now = minutes(50).getTime() + 90_000;
    const after = await readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait });
    // Assess
    expect(before.events.map((e) => e.objectRef?.name)).toEqual(['early']);
    expect(after.events.map((e) => e.objectRef?.name)).toEqual(['early', 'late']);
  });

  it('starts no page with too little of the invocation left: a retryable ActivityLogError instead', async () => {
    // Prepare
    fake.putEvents(GROUP, STREAM, [auditLogEvent(exec(minutes(1)))]);
    // Act
    const error = await rejection(withDeadline(() => 2_000, () => readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait })));
    const roomy = await withDeadline(() => 60_000, () => readCloudWatchAudit(client, { logGroup: GROUP }, window, { retry: noWait }));
    // Assess
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ran out of time');
    expect(roomy.events).toHaveLength(1);
    expect(fake.filterCalls()).toHaveLength(1);
  });

  it('refuses a user name a filter pattern cannot hold, before calling the service', async () => {
    // Act
    const error = await rejection(readCloudWatchAudit(client, { logGroup: GROUP }, { ...window, username: 'eve" || $.verb = "get' }, { retry: noWait }));
    // Assess
    expect(error.retryable).toBe(false);
    expect(fake.filterCalls()).toHaveLength(0);
    expect(() => userFilterPattern('back\\slash')).toThrow(ActivityLogError);
    expect(userFilterPattern('system:serviceaccount:shop:deployer')).toBe('{ $.user.username = "system:serviceaccount:shop:deployer" }');
  });
});

describe('makeActivityLog', () => {
  const clusters: Record<string, ClusterConfig> = {
    prod: { type: 'eks', name: 'shop-prod', region: 'eu-west-1', auditLog: { type: 'cloudwatch', logGroup: GROUP, delay: 120 } },
    dr: { type: 'eks', name: 'shop-dr', region: 'eu-central-1', auditLog: { type: 'cloudwatch', logGroup: '/aws/eks/shop-dr/cluster', region: 'us-east-1', delay: 60 } },
    lab: { type: 'kubeconfig', kubeconfig: 'ssm:/lab', auditLog: { type: 'cloudwatch', logGroup: '/lab/audit', delay: 30 } },
    bare: { type: 'kubeconfig', kubeconfig: 'ssm:/bare' },
  };
  let fake: FakeCloudWatchLogs;
  let endpoint: string;
  const built: (string | undefined)[] = [];
  const clients: CloudWatchLogsClient[] = [];
  const factory = (region: string | undefined) => {
    built.push(region);
    const client = new CloudWatchLogsClient({ region: region ?? 'eu-west-3', endpoint, credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' }, maxAttempts: 1 });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    fake = new FakeCloudWatchLogs();
    endpoint = await fake.start();
    built.length = 0;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await fake.stop();
  });

  it('says which clusters have an audit log and how long it lags', () => {
    // Act
    const activity = makeActivityLog(clusters, { cloudWatch: factory });
    // Assess
    expect(['prod', 'lab', 'bare', 'nowhere', 'toString'].map((c) => activity.configured(c))).toEqual([true, true, false, false, false]);
    expect(['prod', 'dr', 'bare'].map((c) => activity.delaySeconds(c))).toEqual([120, 60, 0]);
  });

  it('reads each cluster’s log group through one client per region: the audit log’s, the EKS cluster’s, else the function’s', async () => {
    // Prepare
    // Each group's event names a pod after its group, to see where each read went.
    const podOf = (group: string) => group.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '');
    for (const group of [GROUP, '/aws/eks/shop-dr/cluster', '/lab/audit']) fake.putEvents(group, STREAM, [auditLogEvent(exec(minutes(1), { name: podOf(group) }))]);
    const activity = makeActivityLog(clusters, { cloudWatch: factory });
    // Act
    const prod = await activity.read({ cluster: 'prod', ...window });
    await activity.read({ cluster: 'prod', ...window });
    const dr = await activity.read({ cluster: 'dr', ...window });
    const lab = await activity.read({ cluster: 'lab', ...window });
    // Assess
    expect([prod, dr, lab].map((events) => events.map((e) => e.objectRef?.name))).toEqual([[podOf(GROUP)], ['aws-eks-shop-dr-cluster'], ['lab-audit']]);
    expect(built).toEqual(['eu-west-1', 'us-east-1', undefined]);
  });

  it('refuses to read a cluster without an audit log, and tells the logger of skipped lines', async () => {
    // Prepare
    fake.putEvents(GROUP, STREAM, [auditLogEvent(exec(minutes(1))), { timestamp: minutes(2).getTime(), message: JSON.stringify({ kind: 'Status', user: { username: ALICE } }) }]);
    const logger = new MemoryLogger();
    const activity = makeActivityLog(clusters, { cloudWatch: factory, logger });
    // Act
    const bare = await rejection(activity.read({ cluster: 'bare', ...window }));
    const unknown = await rejection(activity.read({ cluster: 'nowhere', ...window }));
    const events = await activity.read({ cluster: 'prod', ...window });
    // Assess
    expect(bare.retryable).toBe(false);
    expect(bare.message).toContain('"bare" has no auditLog');
    expect(unknown.retryable).toBe(false);
    expect(events).toHaveLength(1);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', fields: { cluster: 'prod', source: 'cloudwatch', skipped: 1 } })]);
  });
});

describe('readAuditFile (kube-apiserver --audit-log-path)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-audit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams the file and keeps the user’s events in the window, skipping and counting the other lines', async () => {
    // Prepare
    const path = join(dir, 'audit.log');
    const lines = [
      auditLine(exec(new Date(FROM.getTime() - 1), { name: 'before' })),
      auditLine(exec(FROM, { name: 'at-start' })),
      auditLine(exec(minutes(5), { user: 'bob@example.com', name: 'bob' })),
      '{"kind":"Event","truncated',
      auditLine(exec(minutes(6), { name: 'crlf' })) + '\r',
      '',
      JSON.stringify({ kind: 'Policy', apiVersion: 'audit.k8s.io/v1' }),
      auditLine(exec(TO, { name: 'at-end' })),
      auditLine(exec(new Date(TO.getTime() + 1), { name: 'after' })),
    ];
    await writeFile(path, `${lines.join('\n')}\n`);
    // Act
    const read = await readAuditFile(path, window);
    // Assess
    expect(read.events.map((e) => e.objectRef?.name)).toEqual(['at-start', 'crlf', 'at-end']);
    expect(read.skipped).toBe(2);
  });

  it('reads a file larger than a stream chunk, line by line', async () => {
    // Prepare: ~5 MB, events for alice and bob alternating.
    const path = join(dir, 'audit.log');
    const lines = Array.from({ length: 8_000 }, (_, i) => auditLine(exec(new Date(FROM.getTime() + i * 400), { user: i % 2 === 0 ? ALICE : 'bob@example.com', name: `p-${i}` })));
    await writeFile(path, lines.join('\n'));
    // Act
    const read = await readAuditFile(path, window);
    // Assess
    expect(read.events).toHaveLength(4_000);
    expect(read.events.at(-1)?.objectRef?.name).toBe('p-7998');
  });

  it('turns a missing file or a directory into a final ActivityLogError naming the path', async () => {
    // Act
    const missing = await rejection(readAuditFile(join(dir, 'nope.log'), window));
    const folder = await rejection(readAuditFile(dir, window));
    // Assess
    expect(missing.retryable).toBe(false);
    expect(missing.message).toContain(join(dir, 'nope.log'));
    expect(missing.message).toContain('does not exist');
    expect(folder.retryable).toBe(false);
    expect(folder.message).toContain('is a directory');
  });

  it('is what makeActivityLog reads for a cluster whose auditLog is a file', async () => {
    // Prepare
    const path = join(dir, 'audit.log');
    await writeFile(path, `${auditLine(exec(minutes(1), { name: 'from-file' }))}\n`);
    const activity = makeActivityLog({ kind: { auditLog: { type: 'file', path, delay: 5 } } }, { cloudWatch: () => { throw new Error('no CloudWatch for a file'); } });
    // Act
    const events = await activity.read({ cluster: 'kind', ...window });
    // Assess
    expect(events.map((e) => e.objectRef?.name)).toEqual(['from-file']);
    expect(activity.delaySeconds('kind')).toBe(5);
  });
});

describe('audit event fixture', () => {
  it('writes events the domain parses as the API server’s: exec URI, command, denial', () => {
    // Act
    const uri = requestUriOf(exec(FROM));
    const session = sessionOf(parseAuditEvent(auditEvent(exec(FROM, { command: 'cat /etc/hosts', code: 403 }))) ?? { auditID: '', stage: '', verb: '', username: '', requestURI: '', at: '' });
    const secret = parseAuditEvent(auditEvent({ user: ALICE, resource: 'secrets', namespace: 'shop', name: 'db', at: FROM }));
    // Assess
    expect(uri).toBe('/api/v1/namespaces/shop/pods/web-0/exec?command=sh&command=-c&command=ls&container=app&stdin=true&stdout=true&tty=true');
    expect(session).toEqual({ kind: 'exec', namespace: 'shop', pod: 'web-0', container: 'app', command: 'cat /etc/hosts', at: '2026-03-01T10:00:00.000000Z', allowed: false });
    expect(secret).toMatchObject({ verb: 'get', username: ALICE, code: 200, objectRef: { resource: 'secrets', namespace: 'shop', name: 'db' }, requestURI: '/api/v1/namespaces/shop/secrets/db' });
  });
});
