import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeJiraReviewDesk } from '../../lib/adapters/review/jira-review-desk.js';
import { parseRoleRules } from '../../lib/adapters/review/pack-inputs.js';
import { renderPack } from '../../lib/adapters/review/render-pack.js';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { runReview } from '../../lib/cli/review-command.js';
import { makeReviewPacks } from '../../lib/use-cases/review-packs.js';
import { makeScheduledReview } from '../../lib/use-cases/scheduled-review.js';
import type { ActivitySummary } from '../../lib/domain/activity.js';
import type { Lease } from '../../lib/domain/lease.js';
import { deniedInPeriod, overlapsPeriod } from '../../lib/domain/report-period.js';
import type { LeaseHistory } from '../../lib/ports/lease-history.js';
import { FakeJira } from '../fakes/fake-jira.js';
import { FakeServiceNow } from '../fakes/fake-servicenow.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { leaseFixture } from '../support/lease-fixture.js';

const ROLES = `apiVersion: v1
kind: List
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: { name: pod-debugger, namespace: payments }
    rules:
      - { apiGroups: [""], resources: [pods], verbs: [get, list, delete] }
      - { apiGroups: [""], resources: [pods/exec], verbs: [create] }
`;

const summary = (rows: [string, string, number][]): ActivitySummary => ({ requests: rows.reduce((n, [, , c]) => n + c, 0), byRequest: rows.map(([verb, resource, count]) => ({ verb, resource, namespace: 'payments', count })), sessions: [], secretsRead: [], denied: [], omitted: 0, firstAt: '2026-11-03T10:01:00.000Z', lastAt: '2026-11-03T10:20:00.000Z' });

function lease(id: string, day: string, evidence: ActivitySummary | undefined, approvalKind?: Lease['approvalKind']): Lease {
  const base = { ...leaseFixture(id, `2026-11-${day}T12:00:00.000Z`, 'REVOKED'), profile: 'payments-debug', roleRef: { kind: 'Role' as const, name: 'pod-debugger' }, createdAt: `2026-11-${day}T10:00:00.000Z`, startsAt: `2026-11-${day}T10:00:00.000Z`, revokedAt: `2026-11-${day}T12:00:01.000Z`, ...(approvalKind === undefined ? {} : { approvalKind }) };
  return evidence === undefined ? base : { ...base, evidence: { collectedAt: base.revokedAt, from: base.startsAt, to: base.revokedAt, events: 4, summary: evidence } };
}

const LEASES: Lease[] = [
  lease('f0000000000000000001', '03', summary([['get', 'pods', 4], ['create', 'pods/exec', 1]])),
  lease('f0000000000000000002', '10', summary([['list', 'pods', 2]]), 'break-glass'),
  lease('f0000000000000000003', '17', summary([])),
  lease('f0000000000000000004', '24', undefined),
];

const history: LeaseHistory = {
  leasesBetween: (p) => Promise.resolve({ leases: LEASES.filter((l) => overlapsPeriod(l, p)), unreadable: [] }),
  denialsBetween: (p) => Promise.resolve([{ leaseId: 'f00000000000000000ff', idempotencyKey: 'k', source: 'jira' as const, ticketKey: 'OPS-9', code: 'self-approval', reason: 'the requester approved their own ticket', at: '2026-11-12T09:00:00.000Z', by: 'webhook' }].filter((d) => deniedInPeriod(d, p))),
};

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The digest as the pack's description explains it, recomputed here from the files alone. */
function digestOf(files: { name: string; bytes: Uint8Array }[]): string {
  const manifest = ['kube-lease review pack v1', ...[...files].sort((a, b) => a.name.localeCompare(b.name)).map((f) => `${sha(f.bytes)}  ${f.name}`), ''].join('\n');
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
}

describe('kube-lease review: packs filed against the fakes', () => {
  const jira = new FakeJira();
  const sn = new FakeServiceNow();
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let out: string[];
  let err: string[];
  const run = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const code = await runReview(args, { env: { ...env, ...extra }, out: (t) => out.push(t), err: (t) => err.push(t), history, evidenceMac: undefined });
    return { code, json: out.length > 0 && out.join('').startsWith('{') ? (JSON.parse(out.join('')) as Record<string, unknown>) : undefined };
  };
  const auditor = { accountId: '5b10ac8d82e05b22cc7d4e99', displayName: 'Ada Auditor', emailAddress: 'ada@example.com', accountType: 'atlassian' as const, active: true };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-review-'));
    await writeFile(join(dir, 'catalog.yaml'), DEMO_CATALOG);
    await writeFile(join(dir, 'roles.yaml'), ROLES);
    const [jiraUrl, snUrl] = await Promise.all([jira.start(), sn.start()]);
    env = {
      ACCESS_CATALOG: join(dir, 'catalog.yaml'),
      ...jira.clientEnv(jiraUrl),
      JIRA_WEBHOOK_SECRET: 'jira-secret',
      SERVICENOW_INSTANCE_URL: snUrl,
      SERVICENOW_USER: 'kube-lease.integration',
      SERVICENOW_PASSWORD: 'fake-sn-password',
      SERVICENOW_WEBHOOK_SECRET: 'sn-secret',
      REVIEW_DESK: 'jira',
      REVIEW_JIRA_PROJECT: 'SEC',
    };
  });
  afterAll(async () => {
    await Promise.all([jira.stop(), sn.stop()]);
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = [];
    err = [];
  });

  it('files the pack as a Jira issue with the HTML and CSV attached byte for byte, once per period', async () => {
    const { code, json } = await run(['--period', '2026-11', '--out', join(dir, 'jira'), '--roles', join(dir, 'roles.yaml'), '--file', '--json']);
    expect({ code, err: err.join('') }).toMatchObject({ code: 0 });
    const filed = json?.filed as { key: string; outcome: string };
    expect(filed.outcome).toBe('filed');
    const files = await Promise.all(['kube-lease-review-2026-11.csv', 'kube-lease-review-2026-11.html'].map(async (name) => ({ name, bytes: await readFile(join(dir, 'jira', name)) })));
    for (const f of files) expect(jira.attachment(filed.key, f.name)?.equals(f.bytes)).toBe(true);
    const digest = digestOf(files);
    expect(json?.digest).toBe(digest);
    const issue = jira.issue(filed.key);
    expect(issue.fields.description).toContain(`Pack digest: ${digest}`);
    expect(issue.fields.description).toContain('Period: 2026-11-01 00:00 to 2026-12-01 00:00 UTC');
    expect(issue.fields.labels).toEqual(['kube-lease-review-2026-11']);
    expect(jira.requests.find((r) => r.path.endsWith('/attachments'))?.headers['x-atlassian-token']).toBe('no-check');
    // The pack says what the evidence says: used, unused, not known; the unused grant; the emergency lease.
    const csv = files[0]?.bytes.toString('utf8') ?? '';
    expect(csv).toContain('payments-debug: `delete pods` unused in 3 leases: remove it from Role/pod-debugger');
    expect(csv.split('\r\n').filter((l) => l.startsWith('lease,')).map((l) => l.split(',')[9])).toEqual(['used', 'used', 'unused', 'not known']);
    expect(csv).toMatch(/^emergency,alice@example.com,OPS-1,f0000000000000000002,break-glass/m);

    // Again: the same issue, nothing attached twice.
    out = [];
    const again = await run(['--period', '2026-11', '--out', join(dir, 'jira'), '--roles', join(dir, 'roles.yaml'), '--file', '--json']);
    expect((again.json?.filed as { outcome: string; key: string }).outcome).toBe('already filed');
    expect((jira.issue(filed.key).fields.attachment as unknown[]).length).toBe(2);
  });

  it('records the sign-off (the transition to Done) with who, when and the digest recomputed from the attachments', async () => {
    const key = 'SEC-1';
    expect((await run(['--sign-off', key])).code).toBe(1);
    expect(out.join('')).toContain('is not signed off: its status is "Open"');
    jira.transition(key, 'Done', auditor);
    out = [];
    const { code, json } = await run(['--sign-off', key, '--json']);
    expect(code).toBe(0);
    expect(json).toMatchObject({ signedOff: true, by: 'ada@example.com', matches: true, note: 'added' });
    expect(json?.attachedDigest).toBe(json?.statedDigest);
    expect(jira.comments(key).at(-1)).toContain('kube-lease sign-off record: SEC-1 was moved to "Done" by ada@example.com');
    out = [];
    expect((await run(['--sign-off', key, '--json'])).json).toMatchObject({ note: 'present' });
    expect(jira.comments(key).filter((c) => c.includes('sign-off record'))).toHaveLength(1);
  });

  it('says the sign-off does not cover the pack when an attachment was changed after filing', async () => {
    const { json } = await run(['--period', '2026-10', '--out', join(dir, 'jira-oct'), '--file', '--json']);
    const key = (json?.filed as { key: string }).key;
    const list = jira.issue(key).fields.attachment as { id: string; filename: string }[];
    const csv = list.find((a) => a.filename.endsWith('.csv'));
    jira.attachmentBytes.set(csv?.id ?? '', Buffer.from('section,name\r\nnote,nothing to see\r\n'));
    jira.transition(key, 'Done', auditor);
    out = [];
    const signOff = await run(['--sign-off', key, '--json']);
    expect(signOff.code).toBe(1);
    expect(signOff.json).toMatchObject({ signedOff: true, matches: false });
    expect(jira.comments(key).at(-1)).toContain('They DO NOT match');
  });

  it('opens one linked Jira issue per finding, and none again', async () => {
    const args = ['--period', '2026-11', '--out', join(dir, 'jira'), '--roles', join(dir, 'roles.yaml'), '--findings', '--json'];
    const first = await run(args);
    const findings = first.json?.findings as { key: string; created: boolean }[];
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.created)).toBe(true);
    const link = jira.requests.filter((r) => r.path === '/rest/api/2/issueLink').map((r) => JSON.parse(r.body) as { outwardIssue: { key: string } });
    expect(link.map((l) => l.outwardIssue.key)).toEqual(findings.map(() => 'SEC-1'));
    out = [];
    const second = await run(args);
    expect((second.json?.findings as { created: boolean }[]).every((f) => !f.created)).toBe(true);
  });

  it('fails with what Jira refused: a file over its size limit (413), no permission (403); a rerun completes the issue', async () => {
    jira.maxAttachmentBytes = 100;
    expect((await run(['--period', '2026-09', '--out', join(dir, 'jira-sep'), '--file'])).code).toBe(1);
    expect(err.join('')).toContain('Jira answered 413 to attach the pack to SEC-');
    jira.maxAttachmentBytes = 10 * 1024 * 1024;
    jira.failNext({ method: 'POST', pathIncludes: '/attachments', response: { status: 403, body: { errorMessages: ['You do not have permission to create attachments for this issue.'], errors: {} } } });
    err = [];
    expect((await run(['--period', '2026-09', '--out', join(dir, 'jira-sep'), '--file'])).code).toBe(1);
    expect(err.join('')).toContain('403');
    out = [];
    const { code, json } = await run(['--period', '2026-09', '--out', join(dir, 'jira-sep'), '--file', '--json']);
    expect(code).toBe(0);
    const key = (json?.filed as { key: string; outcome: string }).key;
    expect((json?.filed as { outcome: string }).outcome).toBe('completed');
    expect(jira.attachment(key, 'kube-lease-review-2026-09.html')?.equals(await readFile(join(dir, 'jira-sep', 'kube-lease-review-2026-09.html')))).toBe(true);
  });

  it('files the pack as a ServiceNow task with both files attached, records its closing, opens findings as child tasks', async () => {
    const snEnv = { REVIEW_DESK: 'servicenow' };
    const { code, json } = await run(['--period', '2026-11', '--out', join(dir, 'sn'), '--roles', join(dir, 'roles.yaml'), '--findings', '--json'], snEnv);
    expect({ code, err: err.join('') }).toMatchObject({ code: 0 });
    const key = (json?.filed as { key: string }).key;
    const task = [...sn.tasks.values()].find((t) => t.number === key);
    expect(task?.correlation_id).toBe('kube-lease-review-2026-11');
    for (const name of ['kube-lease-review-2026-11.html', 'kube-lease-review-2026-11.csv']) {
      expect(sn.attachmentOf(task?.sys_id ?? '', name)?.equals(await readFile(join(dir, 'sn', name)))).toBe(true);
    }
    const children = [...sn.tasks.values()].filter((t) => t.parent === task?.sys_id);
    expect(children.length).toBe((json?.findings as unknown[]).length);

    const closer = sn.addUser('ada', 'ada@example.com', 'Ada Auditor');
    sn.closeTask(key, closer);
    out = [];
    const signOff = await run(['--sign-off', key, '--json'], snEnv);
    expect(signOff.code).toBe(0);
    expect(signOff.json).toMatchObject({ signedOff: true, by: 'ada@example.com', matches: true, note: 'added' });
    expect(sn.workNotes.get(key)?.at(-1)).toContain(`kube-lease sign-off record: ${key} was moved to "state 3" by ada@example.com`);
  });

  it('changes nothing on a filed review when the records changed since: it says the digests differ', async () => {
    // Prepare: evidence of a new lease in November arrives after the November pack was filed.
    LEASES.push(lease('f0000000000000000005', '28', summary([['get', 'pods', 1]])));
    const before = jira.issue('SEC-1').fields.attachment as unknown[];
    try {
      // Act
      const { code } = await run(['--period', '2026-11', '--out', join(dir, 'jira-late'), '--file']);
      // Assess
      expect(code).toBe(1);
      expect(out.join('')).toContain('SEC-1');
      expect(out.join('')).toContain('the records changed since it was filed. Nothing was changed on it.');
      expect(jira.issue('SEC-1').fields.attachment).toEqual(before);
    } finally {
      LEASES.pop();
    }
  });

  it('fails when ServiceNow refuses the attachment (403), and says so', async () => {
    sn.attachmentsWritable = false;
    const { code } = await run(['--period', '2026-08', '--out', join(dir, 'sn-aug'), '--file'], { REVIEW_DESK: 'servicenow' });
    sn.attachmentsWritable = true;
    expect(code).toBe(1);
    expect(err.join('')).toContain('ServiceNow answered 403 to attach kube-lease-review-2026-08.html');
  });

  it('never takes a ticket someone else filed with the period\'s label for its own (Jira creator, ServiceNow sys_created_by): it files its own and names the other as a finding', async () => {
    // Prepare: an insider files an issue and a task carrying the July pack's label and correlation id first.
    jira.createIssue({ key: 'SEC-900', reporter: auditor, summary: 'Access review 2026-07 (kube-lease)', fields: { labels: ['kube-lease-review-2026-07'], description: 'Pack digest: sha256:0' } });
    sn.tasks.set('0123456789abcdef0123456789abcdef', { sys_id: '0123456789abcdef0123456789abcdef', number: 'TASK0099999', sys_class_name: 'task', state: '1', correlation_id: 'kube-lease-review-2026-07', sys_created_by: 'alice' });
    for (const [desk, planted] of [['jira', 'SEC-900'], ['servicenow', 'TASK0099999']] as const) {
      out = [];
      // Act
      const { code } = await run(['--period', '2026-07', '--out', join(dir, `planted-${desk}`), '--file'], { REVIEW_DESK: desk });
      // Assess
      expect({ code, err: err.join('') }).toMatchObject({ code: 0 });
      const text = out.join('');
      expect(text).toMatch(/ {2}filed: (SEC-|TASK)\d+/);
      expect(text).not.toContain(`filed: ${planted}`);
      expect(text).toContain(`finding: ${planted}`);
    }
    expect(jira.issue('SEC-900').fields.attachment).toBeUndefined();
  });
});

describe('the scheduled review', () => {
  const jira = new FakeJira();
  beforeAll(async () => {
    await jira.start();
  });
  afterAll(() => jira.stop());

  it('files the previous whole period once, with its findings when asked, and never a second ticket', async () => {
    // Prepare: the first run of 2027 (a quarter's review), against fake Jira.
    const desk = makeJiraReviewDesk({ baseUrl: jira.url(), email: 'kube-lease-bot@example.com', apiToken: () => Promise.resolve('fake-jira-token'), project: 'AUD', issueType: 'Task', doneStatuses: ['Done'], linkType: 'Relates' });
    const catalog = parseCatalog(DEMO_CATALOG, 'catalog.yaml');
    const packs = makeReviewPacks({ history, evidenceMac: undefined, profiles: catalog.profiles, render: renderPack, desk });
    const logged: string[] = [];
    const logger = { debug: () => undefined, info: (m: string) => logged.push(m), warn: (m: string) => logged.push(`warn ${m}`), error: (m: string) => logged.push(`error ${m}`) };
    const clock = { now: () => new Date('2027-01-01T06:00:00.000Z') };
    const scheduled = makeScheduledReview({ packs, clock, logger, period: 'quarter', fileFindings: true, roles: () => parseRoleRules(ROLES, 'roles.yaml') });
    // Act
    const first = await scheduled();
    const second = await scheduled();
    // Assess
    expect([first.period, first.filed.outcome, second.filed.outcome]).toEqual(['2026-Q4', 'filed', 'already filed']);
    expect(first.findings).toBeGreaterThan(0);
    expect([...jira.issues.values()].filter((i) => (i.fields.labels as string[] | undefined)?.includes('kube-lease-review-2026-Q4'))).toHaveLength(1);
    expect(jira.attachment(first.filed.key, 'kube-lease-review-2026-Q4.csv')?.toString('utf8')).toContain('`delete pods` unused in 3 leases');
    expect(logged.filter((l) => l.startsWith('warn'))).toEqual([]);
  });
});
