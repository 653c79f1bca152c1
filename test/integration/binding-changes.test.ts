import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { makeActivityLog } from '../../lib/adapters/activity/activity-log.js';
import { BINDING_FILTER_PATTERN } from '../../lib/adapters/activity/binding-changes.js';
import { AUDIT_STREAM_PREFIX } from '../../lib/adapters/activity/cloudwatch-activity-log.js';
import type { ClusterConfig } from '../../lib/domain/catalog.js';
import { FakeCloudWatchLogs } from '../fakes/fake-cloudwatch-logs.js';

/*
 * The cluster's record of a lease's RoleBindings, read from the audit log as EKS writes it: writes
 * to rbac.authorization.k8s.io at RequestResponse level (the reference GCE policy EKS's extends), so
 * a create carries its requestObject and objectRef names the binding.
 */

const GROUP = '/aws/eks/shop-prod/cluster';
const STREAM = `${AUDIT_STREAM_PREFIX}-0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
const LEASE = '0123456789abcdef0123';
const NAME = `kl-payments-debug-${LEASE}`;
const KUBE_LEASE = 'arn:aws:sts::123456789012:assumed-role/kube-lease-prod/kube-lease-prod-grant';
const FROM = new Date('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(FROM.getTime() + minutes * 60_000);

function rbacEvent(minutes: number, verb: string, options: { name?: string; code?: number; query?: string; subjects?: readonly string[] } = {}): string {
  const name = options.name ?? NAME;
  const base = '/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings';
  const uri = `${verb === 'create' ? base : `${base}/${name}`}${options.query === undefined ? '' : `?${options.query}`}`;
  const when = at(minutes).toISOString().replace('Z', '000Z');
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: verb === 'get' ? 'Request' : 'RequestResponse',
    auditID: `00000000-0000-4000-8000-${String(minutes).padStart(6, '0')}${verb.length}${name.length}`.slice(0, 36),
    stage: 'ResponseComplete',
    requestURI: uri,
    verb,
    user: { username: KUBE_LEASE, groups: ['system:authenticated'] },
    objectRef: { resource: 'rolebindings', namespace: 'payments', name, apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: options.code ?? (verb === 'create' ? 201 : 200) },
    ...(verb === 'create'
      ? { requestObject: { kind: 'RoleBinding', metadata: { name, namespace: 'payments' }, subjects: (options.subjects ?? ['alice@example.com']).map((n) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: n })) } }
      : {}),
    requestReceivedTimestamp: when,
    stageTimestamp: when,
  });
}

/** A create (dry run first, as the preflight sends), a read, a refused create, another lease's binding, then the delete. */
const LINES = [
  rbacEvent(0, 'create', { query: 'dryRun=All' }),
  rbacEvent(1, 'create'),
  rbacEvent(2, 'get'),
  rbacEvent(3, 'create', { code: 409 }),
  rbacEvent(4, 'create', { name: 'kl-payments-debug-ffffffffffffffffffff' }),
  rbacEvent(30, 'delete'),
];
const EXPECTED = [
  { verb: 'create', namespace: 'payments', name: NAME, at: at(1).toISOString().replace('Z', '000Z'), username: KUBE_LEASE, subjects: [{ kind: 'User', name: 'alice@example.com' }] },
  { verb: 'delete', namespace: 'payments', name: NAME, at: at(30).toISOString().replace('Z', '000Z'), username: KUBE_LEASE },
];
const query = { cluster: 'shop', leaseId: LEASE, from: FROM, to: at(60) };

describe('the lease\'s RoleBinding creates and deletes in the cluster\'s audit log', () => {
  let fake: FakeCloudWatchLogs;
  let client: CloudWatchLogsClient;
  let dir: string;

  beforeEach(async () => {
    fake = new FakeCloudWatchLogs();
    const endpoint = await fake.start();
    client = new CloudWatchLogsClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' }, maxAttempts: 1 });
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-bindings-'));
  });
  afterEach(async () => {
    client.destroy();
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('CloudWatch Logs: every page, only the successful (not dry-run) creates and deletes of this lease\'s bindings', async () => {
    fake.putEvents(GROUP, STREAM, LINES.map((message, i) => ({ timestamp: at(i).getTime(), message })));
    fake.putEvents(GROUP, STREAM, [{ timestamp: at(5).getTime(), message: JSON.stringify({ kind: 'Event', verb: 'get', objectRef: { resource: 'pods' } }) }]);
    const clusters: Record<string, ClusterConfig> = { shop: { type: 'eks', name: 'shop-prod', region: 'eu-west-1', auditLog: { type: 'cloudwatch', logGroup: GROUP, delay: 300 } } };
    const changes = await makeActivityLog(clusters, { cloudWatch: () => client }).bindingChanges(query);
    expect(changes).toEqual(EXPECTED);
    const calls = fake.filterCalls();
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((c) => c.filterPattern === BINDING_FILTER_PATTERN && c.logStreamNamePrefix === AUDIT_STREAM_PREFIX)).toBe(true);
  });

  it('an audit log file: the same changes', async () => {
    const path = join(dir, 'audit.log');
    await writeFile(path, `${LINES.join('\n')}\nnot json\n`);
    const clusters: Record<string, ClusterConfig> = { shop: { type: 'kubeconfig', kubeconfig: 'ssm:/shop', auditLog: { type: 'file', path, delay: 0 } } };
    const changes = await makeActivityLog(clusters, { cloudWatch: () => client }).bindingChanges(query);
    expect(changes).toEqual(EXPECTED);
  });
});
