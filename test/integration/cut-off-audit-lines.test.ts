import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { makeActivityLog } from '../../lib/adapters/activity/activity-log.js';
import { AUDIT_STREAM_PREFIX } from '../../lib/adapters/activity/cloudwatch-activity-log.js';
import { readCloudWatchUnreadable, unreadableFilterPattern } from '../../lib/adapters/activity/cloudwatch-unreadable.js';
import { cutOffStreams } from '../../lib/domain/activity-unreadable.js';
import type { RetryPolicy } from '../../lib/retry.js';
import { FakeCloudWatchLogs } from '../fakes/fake-cloudwatch-logs.js';
import { auditLine, auditLogEvent, type AuditEventSpec } from '../fixtures/audit-events.js';

/* Finding and counting the audit lines a log holds cut off (issue 23, review finding F2), in a file and in CloudWatch Logs. */

const GROUP = '/aws/eks/shop-prod/cluster';
const STREAM = `${AUDIT_STREAM_PREFIX}-0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
const FROM = new Date('2026-03-01T10:00:00.000Z');
const TO = new Date('2026-03-01T11:00:00.000Z');
const ALICE = 'alice@example.com';
const noWait: RetryPolicy = { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, remainingMs: () => 60_000 };
const minutes = (n: number) => new Date(FROM.getTime() + n * 60_000);
const query = { cluster: 'kind', username: ALICE, from: FROM, to: TO, namespaces: ['shop'] } as const;
const get = (at: Date, extra: Partial<AuditEventSpec> = {}): AuditEventSpec => ({ user: ALICE, namespace: 'shop', name: 'web-0', at, ...extra });

/** A padded exec (or attach) as the log holds it: cut off at 4 KiB here (the size does not matter to the reader). */
function cut(at: Date, extra: Partial<AuditEventSpec> = {}): string {
  return auditLine({ user: ALICE, verb: 'create', subresource: 'exec', namespace: 'shop', name: 'web-0', command: ['sh', '-c', `${'\t'.repeat(5000)}bash`], at, ...extra }).slice(0, 4096);
}

describe('cut-off lines in a kube-apiserver audit log file (local mode)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-cut-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const activityOf = async (lines: readonly string[]) => {
    const path = join(dir, 'audit.log');
    await writeFile(path, `${lines.join('\n')}\n`);
    return makeActivityLog({ kind: { auditLog: { type: 'file', path, delay: 5 } } }, { cloudWatch: () => { throw new Error('no CloudWatch for a file'); } });
  };

  it('counts a line that is not JSON between events of the window, and names the exec it starts with', async () => {
    const activity = await activityOf([auditLine(get(minutes(1))), cut(minutes(2)), auditLine(get(minutes(3)))]);
    const found = await activity.unreadable({ ...query, scope: 'pods' });
    expect(found).toMatchObject({ count: 1, complete: true });
    expect(cutOffStreams(found.lines, ['shop'])).toEqual([{ kind: 'exec', namespace: 'shop', pod: 'web-0', at: minutes(1).toISOString(), allowed: true, cutOff: true }]);
    // The user's readable events are read as before.
    expect(await activity.read(query)).toHaveLength(2);
  });

  it('does not count a cut line the events around it put before the window, nor one of another namespace; nothing when every line parses', async () => {
    const before = await activityOf([auditLine(get(minutes(-30))), cut(minutes(-20)), auditLine(get(minutes(-10))), cut(minutes(5), { namespace: 'other' }), auditLine(get(minutes(6)))]);
    expect(await before.unreadable({ ...query, scope: 'all' })).toEqual({ count: 0, lines: [], complete: true });
    const clean = await activityOf([auditLine(get(minutes(1))), auditLine(get(minutes(2), { verb: 'create', subresource: 'exec', command: 'sh' }))]);
    expect(await clean.unreadable({ ...query, scope: 'all' })).toEqual({ count: 0, lines: [], complete: true });
  });

  it('counts a cut line whose path is percent-encoded (the API server decodes it) and one that ends with the log\'s truncation marker', async () => {
    const encoded = cut(minutes(2)).replace('/namespaces/shop/pods/', '/namespaces/sh%6Fp/pods/');
    const marked = `${cut(minutes(3), { namespace: 'other' }).slice(0, 200)}[Truncated...]`;
    const activity = await activityOf([auditLine(get(minutes(1))), encoded, marked, auditLine(get(minutes(4)))]);
    const found = await activity.unreadable({ ...query, scope: 'pods' });
    expect(found.count).toBe(2);
    expect(cutOffStreams(found.lines, ['shop']).map((s) => s.pod)).toEqual(['web-0']);
  });
});

describe('cut-off lines in CloudWatch Logs (fake endpoint)', () => {
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

  it('asks with a term pattern (the truncation marker, the namespaces\' paths, the user) and counts only the lines that do not parse', async () => {
    expect(unreadableFilterPattern({ ...query, scope: 'all' })).toBe('?"[Truncated...]" ?"/namespaces/shop/" ?"alice@example.com"');
    expect(unreadableFilterPattern({ ...query, scope: 'pods' })).toBe('?"[Truncated...]" ?"/namespaces/shop/pods/"');
    fake.putEvents(GROUP, STREAM, [
      auditLogEvent(get(minutes(1))),
      { timestamp: minutes(2).getTime(), message: cut(minutes(2)) },
      auditLogEvent(get(minutes(3), { user: 'bob@example.com' })),
      { timestamp: minutes(4).getTime(), message: cut(minutes(4), { namespace: 'other' }) },
    ]);
    const found = await readCloudWatchUnreadable(client, { logGroup: GROUP }, { ...query, scope: 'all' }, { retry: noWait });
    expect(found).toMatchObject({ count: 1, complete: true });
    expect(found.lines.map((l) => l.at)).toEqual([minutes(2).toISOString()]);
  });

  it('the revoke\'s search is one FilterLogEvents call: a window it does not finish is said to be incomplete', async () => {
    // Prepare: 12 lines naming shop's pods (5 a page): the first page holds one cut line.
    fake.putEvents(GROUP, STREAM, [
      { timestamp: minutes(1).getTime(), message: cut(minutes(1)) },
      ...Array.from({ length: 11 }, (_, i) => auditLogEvent(get(minutes(i + 2), { user: 'system:node:ip-10-0-0-1' }))),
    ]);
    const activity = makeActivityLog({ kind: { type: 'eks', name: 'shop-prod', region: 'eu-west-1', auditLog: { type: 'cloudwatch', logGroup: GROUP, delay: 60 } } }, { cloudWatch: () => client, retry: noWait });
    // Act
    const found = await activity.unreadable({ ...query, scope: 'pods', maxPages: 1 });
    // Assess
    expect(found).toMatchObject({ count: 1, complete: false });
    expect(fake.filterCalls()).toHaveLength(1);
    expect(fake.filterCalls()[0]).toMatchObject({ logGroupName: GROUP, logStreamNamePrefix: AUDIT_STREAM_PREFIX, filterPattern: '?"[Truncated...]" ?"/namespaces/shop/pods/"' });
  });
});
