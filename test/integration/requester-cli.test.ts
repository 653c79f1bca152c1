import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { runCli } from '../../lib/cli/operator.js';
import { runRequesterCommand, type RequesterHooks } from '../../lib/cli/requester-commands.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { alice, bob, bodyOf, TestStack } from '../support/stack.js';

/** The demo catalog, scoped to project OPS, with payments-read asking for an incident in the reason. */
const CATALOG = DEMO_CATALOG.replace('  approvedStatuses: [Approved]', '  approvedStatuses: [Approved]\n  projects: [OPS]').replace(
  '    maxDuration: 4h\n',
  '    maxDuration: 4h\n    justification: { pattern: "INC-[0-9]+", hint: "name the incident, e.g. INC-123" }\n',
);
const ALICE_TOKEN = 'alice-own-api-token';

describe('requester CLI (profiles, request, wait, mine)', () => {
  let stack: TestStack;
  let home: string;
  let out: string[];
  let err: string[];
  let env: Record<string, string>;

  beforeEach(async () => {
    stack = await new TestStack().start({ catalog: CATALOG });
    stack.jira.addAccount(alice, ALICE_TOKEN);
    home = await mkdtemp(join(tmpdir(), 'kube-lease-requester-'));
    await writeFile(join(home, 'kubeconfig'), stack.kube.userKubeconfig(stack.kube.url(), 'alice@example.com', 'prod-eu'));
    env = {
      XDG_CONFIG_HOME: join(home, '.config'),
      KUBECONFIG: join(home, 'kubeconfig'),
      KUBE_LEASE_CATALOG: stack.catalogPath,
      KUBE_LEASE_JIRA_URL: stack.jira.url(),
      KUBE_LEASE_JIRA_EMAIL: 'alice@example.com',
      KUBE_LEASE_JIRA_TOKEN: ALICE_TOKEN,
    };
    out = [];
    err = [];
  });
  afterEach(async () => {
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  });

  const io = () => ({ env, out: (t: string) => out.push(t), err: (t: string) => err.push(t) });
  const run = (...argv: string[]) => runCli(argv, io());
  const created = () => stack.jira.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/2/issue');
  const newest = () => [...stack.jira.issues.keys()].at(-1) ?? '';

  it('lists the profiles with role, namespaces, durations and approvers, as a table and as JSON', async () => {
    expect(await run('profiles')).toBe(0);
    expect(out.join('')).toMatch(/^PROFILE\s+ROLE\s+CLUSTER\s+NAMESPACES\s+DEFAULT\s+MAX\s+APPROVED BY\npayments-read\s+ClusterRole\/view\s+demo\s+payments,payments-worker\s+1h\s+4h\s+any other person/);
    expect(out.join('')).toContain('payments-read: the reason must match INC-[0-9]+ (name the incident, e.g. INC-123)');
    out = [];
    expect(await run('profiles', '--json')).toBe(0);
    const json = JSON.parse(out.join('')) as { name: string; maxDurationSeconds: number; approval: Record<string, unknown> }[];
    expect(json.map((p) => p.name)).toEqual(['payments-read', 'payments-debug']);
    expect(json[0]?.maxDurationSeconds).toBe(4 * 3600);
    expect(json[0]?.approval).toEqual({ people: [], groups: [], onCall: [], breakGlass: [] });
  });

  it('request → approve → --wait: files as the requester, the approval grants, and the cluster says the access is live', async () => {
    // Prepare: bob approves in Jira while the CLI waits (at its first pause).
    let approved = false;
    const hooks: RequesterHooks = {
      sleep: async () => {
        if (approved) return;
        approved = true;
        expect(stack.kube.selfReviews).toEqual([]); // not asked before the approval
        const answer = await stack.deliver(stack.jira.transition(newest(), 'Approved', bob));
        expect(bodyOf(answer).outcome).toBe('granted');
      },
      now: () => stack.clock.now(),
    };
    // Act
    const code = await runRequesterCommand('request', ['payments-read', '--namespaces', 'payments', '--for', '2h', '--reason', 'INC-4711 payments pods crash-looping', '--wait'], io(), hooks);
    // Assess: filed by alice with her own token, in the catalog's mapped fields.
    expect(err.join('')).toContain('waiting up to 30m');
    expect(code).toBe(0);
    const [post] = created();
    expect(post?.headers.authorization).toBe(`Basic ${Buffer.from(`alice@example.com:${ALICE_TOKEN}`).toString('base64')}`);
    const issue = stack.jira.issue(newest());
    expect(issue.fields.reporter).toEqual(alice);
    expect(issue.fields.customfield_10100).toEqual({ value: 'payments-read' });
    expect(issue.fields.customfield_10101).toBe('2h');
    expect(issue.fields.customfield_10102).toEqual([{ value: 'payments' }]);
    // The grant happened through kube-lease's own checks, and the access review asked as alice.
    const [lease] = (await stack.container.leases.listForTicket('jira', newest())).leases;
    expect(lease?.status).toBe('ACTIVE');
    expect(lease?.namespaces).toEqual(['payments']);
    expect(stack.kube.selfReviews).toEqual([{ user: 'alice@example.com', namespace: 'payments', verb: 'get', resource: 'pods', allowed: true }]);
    expect(out.join('')).toBe(
      'access is live: the cluster (context prod-eu) says you can get pods in payments\n' +
        '  kubectl --context prod-eu --namespace payments get pods\n' +
        '  or make it your default: kubectl config set-context prod-eu --namespace payments\n',
    );
    expect(err.join('')).toMatch(/filed OPS-\d+: http:\/\/127\.0\.0\.1:\d+\/browse\/OPS-\d+\n/);
  });

  it('wait <ticket> picks up a request filed earlier, and refuses what is not an issue key', async () => {
    expect(await run('request', 'payments-read', '--reason', 'INC-10', '--namespaces', 'payments-worker')).toBe(0);
    const key = newest();
    await stack.deliver(stack.jira.transition(key, 'Approved', bob));
    out = [];
    expect(await runRequesterCommand('wait', [key], io(), { sleep: async () => undefined })).toBe(0);
    expect(out.join('')).toContain('access is live: the cluster (context prod-eu) says you can get pods in payments-worker\n');
    err = [];
    expect(await run('wait', '../../myself')).toBe(1);
    expect(err.join('')).toBe('kube-lease wait: "../../myself" is not a Jira issue key (such as OPS-123)\n');
  });

  it('stops waiting with kube-lease\'s reason when the approval is denied', async () => {
    const hooks: RequesterHooks = {
      sleep: async () => {
        // alice approves her own ticket: kube-lease denies and says why on the ticket.
        if (stack.jira.issue(newest()).fields.status.name !== 'Approved') await stack.deliver(stack.jira.transition(newest(), 'Approved', alice));
      },
    };
    const code = await runRequesterCommand('request', ['payments-read', '--reason', 'INC-1 look at pods', '--wait'], io(), hooks);
    expect(code).toBe(1);
    expect(err.join('')).toContain('was denied: the requester approved their own ticket; another person must approve it. Nothing to wait for.');
    expect(stack.kube.selfReviews).toEqual([]);
  });

  it('does not wait for access a dry-run catalog never grants', async () => {
    await stack.stop();
    stack = new TestStack();
    await stack.start({ catalog: `${CATALOG}dryRun: true\n` });
    stack.jira.addAccount(alice, ALICE_TOKEN);
    env = { ...env, KUBE_LEASE_CATALOG: stack.catalogPath, KUBE_LEASE_JIRA_URL: stack.jira.url() };
    const code = await runRequesterCommand('request', ['payments-read', '--reason', 'INC-11', '--wait'], io(), { sleep: async () => undefined });
    expect(code).toBe(1);
    expect(created()).toHaveLength(1);
    expect(err.join('')).toContain('profile "payments-read" runs in dry run (the catalog\'s dryRun): an approval is validated and nothing is granted, so the access will never work; not waiting');
  });

  it('gives up after --timeout, saying the request stays open', async () => {
    let now = stack.clock.now().getTime();
    const hooks: RequesterHooks = { sleep: async (ms) => void (now += ms), now: () => new Date(now) };
    const code = await runRequesterCommand('request', ['payments-read', '--reason', 'INC-2', '--wait', '--timeout', '1m', '--interval', '10s'], io(), hooks);
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/gave up after 1m: OPS-\d+ is "Open" and the access does not work yet\. The request stays open; run `kube-lease wait OPS-\d+` to keep waiting\./);
  });

  it.each([
    [['payments-admin', '--reason', 'INC-1'], 'unknown-profile', 'profile "payments-admin" is not in the access catalog (known: payments-read, payments-debug)'],
    [['payments-read', '--namespaces', 'payments,kube-system', '--reason', 'INC-1'], 'namespace-not-allowed', 'namespace(s) "kube-system" are not in profile "payments-read" (allowed: payments, payments-worker)'],
    [['payments-read', '--for', '8h', '--reason', 'INC-1'], 'duration-over-max', 'requested duration 8h exceeds the maximum of 4h for profile "payments-read"'],
    [['payments-read', '--for', 'soon', '--reason', 'INC-1'], 'bad-duration', '"soon" is not a duration'],
    [['payments-read', '--reason', 'pods are broken'], 'justification-mismatch', 'the reason does not match what profile "payments-read" requires (name the incident, e.g. INC-123)'],
    [['payments-read'], 'no-justification', 'a reason is required (--reason "…")'],
    [['payments-read', '--reason', 'INC-1', '--project', 'SEC'], 'not-a-request', "project SEC is not in the catalog's jira.projects"],
  ])('refuses %j before filing anything (%s)', async (args, code, message) => {
    expect(await run('request', ...args)).toBe(1);
    expect(err.join('')).toContain('nothing was filed');
    expect(err.join('')).toContain(message);
    expect(err.join('')).toContain(`[${code}]`);
    expect(created()).toEqual([]);
  });

  it('refuses a bad request before reading any credential: no account needed to learn it is wrong', async () => {
    env = { XDG_CONFIG_HOME: join(home, '.config'), KUBE_LEASE_CATALOG: stack.catalogPath };
    expect(await run('request', 'payments-read', '--for', '8h', '--reason', 'INC-1')).toBe(1);
    expect(err.join('')).toContain('requested duration 8h exceeds the maximum of 4h for profile "payments-read" [duration-over-max]');
    expect(err.join('')).not.toContain('needs your own account');
    expect(stack.jira.requests).toEqual([]);
  });

  it('refuses a reason the Jira summary would cut or could not hold, as wrong arguments', async () => {
    expect(await run('request', 'payments-read', '--reason', `INC-1 ${'x'.repeat(260)}`)).toBe(2);
    expect(err.join('')).toContain('--reason is longer than 254 characters, the most the Jira summary (where this catalog keeps the reason) holds');
    err = [];
    expect(await run('request', 'payments-read', '--reason', 'INC-1\nsecond line')).toBe(2);
    expect(err.join('')).toContain('--reason is one line');
    expect(stack.jira.requests).toEqual([]);
  });

  it('with --json, a failure is a JSON document too', async () => {
    env.KUBE_LEASE_JIRA_TOKEN = 'wrong-token';
    expect(await run('request', 'payments-read', '--reason', 'INC-7', '--json')).toBe(1);
    expect(JSON.parse(out.join(''))).toEqual({ error: expect.stringContaining('Jira did not accept your credentials') });
  });

  it('lists every problem of a request at once, and --json says the same', async () => {
    expect(await run('request', 'payments-read', '--namespaces', 'checkout', '--for', '9h', '--reason', 'because', '--json')).toBe(1);
    const json = JSON.parse(out.join('')) as { filed: boolean; problems: { code: string }[] };
    expect(json.filed).toBe(false);
    expect(json.problems.map((p) => p.code).sort()).toEqual(['duration-over-max', 'justification-mismatch', 'namespace-not-allowed']);
    expect(created()).toEqual([]);
  });

  it('--check says what the request would give and files nothing', async () => {
    expect(await run('request', 'payments-read', '--reason', 'INC-3', '--check')).toBe(0);
    expect(out.join('')).toBe('ok: payments-read would give ClusterRole/view in demo: payments, payments-worker for 1h as User alice@example.com once approved (any other person); nothing filed (--check)\n');
    expect(created()).toEqual([]);
  });

  it('never files with kube-lease\'s integration account: without the requester\'s own credentials it refuses', async () => {
    // Prepare: only the functions' settings (the integration account) are in the environment.
    env = { XDG_CONFIG_HOME: join(home, '.config'), KUBE_LEASE_CATALOG: stack.catalogPath, ...stack.jira.clientEnv(stack.jira.url()) };
    // Act
    expect(await run('request', 'payments-read', '--reason', 'INC-5')).toBe(1);
    // Assess
    expect(err.join('')).toContain('filing in Jira needs your own account: set KUBE_LEASE_JIRA_URL, KUBE_LEASE_JIRA_EMAIL, KUBE_LEASE_JIRA_TOKEN');
    expect(stack.jira.requests).toEqual([]);
  });

  it('reads the credentials file only when no one else may read it, and never prints the token', async () => {
    // Prepare: the token in a credentials file readable by others.
    const dir = join(home, '.config', 'kube-lease');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'credentials');
    await writeFile(file, `# mine\nKUBE_LEASE_JIRA_EMAIL=alice@example.com\nKUBE_LEASE_JIRA_TOKEN=${ALICE_TOKEN}\n`);
    await chmod(file, 0o644);
    delete env.KUBE_LEASE_JIRA_EMAIL;
    delete env.KUBE_LEASE_JIRA_TOKEN;
    // Act + Assess: refused, with the fix.
    expect(await run('request', 'payments-read', '--reason', 'INC-6')).toBe(1);
    expect(err.join('')).toContain(`${file} may be read by others (mode 644); it holds your credentials. Fix it with: chmod 600 ${file}`);
    expect(stack.jira.requests).toEqual([]);
    // With 0600 it is used.
    await chmod(file, 0o600);
    err = [];
    expect(await run('request', 'payments-read', '--reason', 'INC-6')).toBe(0);
    expect(created()).toHaveLength(1);
    expect(out.join('')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/browse\/OPS-\d+\nfiled OPS-\d+ as alice@example\.com: ClusterRole\/view in demo: payments, payments-worker for 1h as User alice@example\.com/);
    expect(out.join('') + err.join('')).not.toContain(ALICE_TOKEN);
  });

  it('says plainly when Jira does not accept the requester\'s token', async () => {
    env.KUBE_LEASE_JIRA_TOKEN = 'wrong-token';
    expect(await run('request', 'payments-read', '--reason', 'INC-7')).toBe(1);
    expect(err.join('')).toBe('kube-lease request: Jira did not accept your credentials (alice@example.com and your API token) while reading your account: check KUBE_LEASE_JIRA_EMAIL and KUBE_LEASE_JIRA_TOKEN\n');
    expect(err.join('')).not.toContain('wrong-token');
    expect(created()).toEqual([]);
  });

  it('mine: my open requests from Jira and my leases from the table, with time left', async () => {
    // Prepare: one request granted, one open; bob's ticket is not mine.
    expect(await run('request', 'payments-read', '--reason', 'INC-8', '--namespaces', 'payments')).toBe(0);
    const granted = newest();
    await stack.deliver(stack.jira.transition(granted, 'Approved', bob));
    expect(await run('request', 'payments-debug', '--reason', 'INC-9')).toBe(0);
    stack.ticket('OPS-500', { customfield_10100: 'payments-read' }, bob);
    out = [];
    err = [];
    stack.clock.advance(15 * 60_000);
    // Act
    expect(await runRequesterCommand('mine', ['--json'], { ...io(), env: { ...env, DYNAMODB_ENDPOINT: stack.dynamoEndpoint(), LEASES_TABLE: 'leases-test' } }, { now: () => stack.clock.now() })).toBe(0);
    // Assess
    const json = JSON.parse(out.join('')) as { requests: { key: string; state: string; profile: string }[]; leases: { ticket: string; status: string; left: string }[] };
    expect(json.requests.map((r) => [r.profile, r.state])).toEqual([
      ['payments-debug', 'open'],
      ['payments-read', 'approved'],
    ]);
    expect(json.requests.map((r) => r.key)).not.toContain('OPS-500');
    expect(json.leases).toEqual([expect.objectContaining({ ticket: granted, status: 'ACTIVE', approvalKind: 'person', left: '45m' })]);
  });

  it('mine: never says "no open leases" while a lease item of the table could not be read; exits 1', async () => {
    // Prepare: her granted lease's item is edited by a table writer so that it no longer reads.
    expect(await run('request', 'payments-read', '--reason', 'INC-8', '--namespaces', 'payments')).toBe(0);
    const granted = newest();
    await stack.deliver(stack.jira.transition(granted, 'Approved', bob));
    const [lease] = (await stack.container.leases.listForTicket('jira', granted)).leases;
    const doc = DynamoDBDocumentClient.from(stack.dynamoClient());
    const item = (await doc.send(new GetCommand({ TableName: 'leases-test', Key: { pk: `lease#${lease?.id ?? ''}` } }))).Item ?? {};
    await doc.send(new PutCommand({ TableName: 'leases-test', Item: { ...item, version: 'PLANTED-VALUE' } }));
    out = [];
    err = [];
    // Act
    const code = await runRequesterCommand('mine', [], { ...io(), env: { ...env, DYNAMODB_ENDPOINT: stack.dynamoEndpoint(), LEASES_TABLE: 'leases-test' } }, { now: () => stack.clock.now() });
    // Assess
    expect(code).toBe(1);
    expect(out.join('')).toContain('no open lease that could be read');
    expect(out.join('')).not.toContain('no open leases');
    expect(err.join('')).toContain('1 lease item(s) in the table could not be read; one of yours may be among them');
    expect(out.join('') + err.join('')).not.toContain('PLANTED-VALUE');
  });

  it('completes commands, profiles and namespaces from the catalog', async () => {
    expect(await run('__complete', 'req')).toBe(0);
    expect(out.join('')).toBe('request\n');
    out = [];
    expect(await run('__complete', 'request', 'payments-r')).toBe(0);
    expect(out.join('')).toBe('payments-read\n');
    out = [];
    expect(await run('__complete', 'request', 'payments-read', '--namespaces', 'payments,')).toBe(0);
    expect(out.join('')).toBe('payments,payments-worker\n');
    out = [];
    expect(await run('completion', 'bash')).toBe(0);
    expect(out.join('')).toContain('complete -o default -F _kube_lease_complete kube-lease kubectl-lease');
  });

  it('a profile that needs a linked incident: refused without --link or with one in the wrong state, filed and granted with a good one', async () => {
    // Prepare: payments-debug needs a linked issue "In Progress".
    await stack.stop();
    stack = new TestStack();
    await stack.start({ catalog: CATALOG.replace('    roleRef: { kind: Role, name: pod-debugger }\n', '    roleRef: { kind: Role, name: pod-debugger }\n    linkedTicket: { jiraStatuses: [In Progress], serviceNowStates: ["2"] }\n') });
    stack.jira.addAccount(alice, ALICE_TOKEN);
    env = { ...env, KUBE_LEASE_CATALOG: stack.catalogPath, KUBE_LEASE_JIRA_URL: stack.jira.url() };
    stack.jira.createIssue({ key: 'INC-12', reporter: bob, status: 'Open' });
    // Act + Assess: without --link, and with a link not yet in progress.
    expect(await run('request', 'payments-debug', '--reason', 'debugging INC-12')).toBe(1);
    expect(err.join('')).toContain('profile "payments-debug" needs a linked ticket in state In Progress: name it with --link');
    err = [];
    expect(await run('request', 'payments-debug', '--reason', 'debugging INC-12', '--link', 'INC-12')).toBe(1);
    expect(err.join('')).toContain('the linked ticket INC-12 is in state Open; profile "payments-debug" needs one in state In Progress');
    err = [];
    expect(await run('request', 'payments-debug', '--reason', 'debugging', '--link', 'INC-99')).toBe(1);
    expect(err.join('')).toContain('Jira shows no ticket INC-99 to you (--link)');
    expect(created()).toEqual([]);
    // In progress: filed, linked, and granted on approval.
    stack.jira.transition('INC-12', 'In Progress', bob);
    expect(await run('request', 'payments-debug', '--reason', 'debugging INC-12', '--link', 'INC-12')).toBe(0);
    const key = newest();
    expect(JSON.stringify(stack.jira.issue(key).fields.issuelinks)).toContain('INC-12');
    expect(bodyOf(await stack.deliver(stack.jira.transition(key, 'Approved', bob))).outcome).toBe('granted');
  });

  it('ServiceNow: files a change as the requester with the mapped fields; approved, it is granted and --wait sees it live', async () => {
    // Prepare: alice and bob in ServiceNow; alice has her own password.
    const snAlice = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const snBob = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob Approver');
    stack.servicenow.setPassword(snAlice, 'alice-sn-password');
    env = { ...env, KUBE_LEASE_SERVICENOW_URL: stack.servicenow.url(), KUBE_LEASE_SERVICENOW_USER: 'alice', KUBE_LEASE_SERVICENOW_PASSWORD: 'alice-sn-password' };
    const change = () => [...stack.servicenow.changes.values()].at(-1) ?? {};
    const hooks: RequesterHooks = {
      sleep: async () => {
        if (change().approval === 'approved') return;
        stack.servicenow.approve(change(), snBob, '-1');
        expect(bodyOf(await stack.deliverServiceNow(change())).outcome).toBe('granted');
      },
    };
    // Act
    const code = await runRequesterCommand('request', ['payments-debug', '--source', 'servicenow', '--for', '45m', '--reason', 'INC0012345 crash loop', '--wait', '--json'], io(), hooks);
    // Assess
    expect(code).toBe(0);
    expect(change()).toEqual(expect.objectContaining({ u_k8s_profile: 'payments-debug', u_k8s_duration: '45m', justification: 'INC0012345 crash loop', requested_by: snAlice.sys_id }));
    const json = JSON.parse(out.join('')) as Record<string, unknown>;
    expect(json).toEqual(expect.objectContaining({ ticket: change().number, state: 'live', context: 'prod-eu', namespaces: ['payments'], kubectl: ['kubectl --context prod-eu --namespace payments get pods'] }));
    const posts = stack.servicenow.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.headers.authorization)).toEqual([`Basic ${Buffer.from('alice:alice-sn-password').toString('base64')}`]);
  });
});
