import { afterEach, describe, expect, it } from '@jest/globals';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { AUTOMATION_FOR_JIRA, EMBEDDED_CHANGELOG_LIMIT, type JiraUser } from '../fakes/fake-jira.js';
import type { SnUser } from '../fakes/fake-servicenow.js';
import { DEMO_CATALOG, WINDOW_CATALOG } from '../support/demo-catalog.js';
import { alice, bob, bodyOf, carol, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const DURATION = 'customfield_10101';
const NAMESPACES = 'customfield_10102';
const SERVICE_DESK_CATALOG = DEMO_CATALOG.replace('  approvedStatuses: [Approved]', '  approvedStatuses: [Approved]\n  approvals: servicedesk');
const SCOPED_CATALOG = DEMO_CATALOG.replace('  approvedStatuses: [Approved]', '  approvedStatuses: [Approved]\n  projects: [OPS]\n  issueTypes: [Task]');

/** What the cluster and the lease store saw: nothing granted, nothing stored. */
async function nothingGrantedOn(stack: TestStack, key: string): Promise<void> {
  expect(stack.kube.bindings.size).toBe(0);
  expect((await stack.container.leases.listForTicket('jira', key)).leases).toEqual([]);
}

describe('approval integrity: an approval grants exactly what was approved, once, by a person', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  /** What the cluster, the lease store and the ticket saw: nothing granted, nothing stored. */
  const nothingGranted = (key: string) => nothingGrantedOn(stack, key);

  describe('Jira: a mapped field edited after the approving transition voids it', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['profile', { [PROFILE]: 'payments-debug' }, 'profile'],
      ['duration', { [DURATION]: '4h' }, 'duration'],
      ['namespaces', { [NAMESPACES]: ['payments', 'checkout'] }, 'namespaces'],
      ['justification (summary)', { summary: 'something else entirely' }, 'justification'],
      ['requester (reporter)', { reporter: carol }, 'requester'],
    ])('%s → denied, nothing granted, the ticket told to approve again', async (_label, edit, field) => {
      // Prepare: requested, approved by bob, then edited by the requester before the delivery arrives.
      stack = await new TestStack().start();
      stack.ticket('OPS-1', { [PROFILE]: 'payments-read', [DURATION]: '1h', [NAMESPACES]: ['payments'] });
      const approval = stack.jira.transition('OPS-1', 'Approved', bob);
      stack.jira.edit('OPS-1', edit, alice);
      // Act
      const body = bodyOf(await stack.deliver(approval));
      // Assess
      expect(body).toMatchObject({ outcome: 'denied', code: 'changed-after-approval' });
      expect(String(body.reason)).toContain(`(${field})`);
      await nothingGranted('OPS-1');
      expect(stack.jira.comments('OPS-1')).toEqual([expect.stringMatching(/^Access denied, nothing was granted: the request changed after it was approved.*approve it again/)]);
      expect(stack.audit.events).toMatchObject([{ kind: 'deny', code: 'changed-after-approval', ticket: 'OPS-1' }]);
    });

    it('is not fooled by edits made before the approval, nor by unmapped fields edited after it', async () => {
      stack = await new TestStack().start();
      stack.ticket('OPS-2', { [PROFILE]: 'payments-debug' });
      stack.jira.edit('OPS-2', { [PROFILE]: 'payments-read', [DURATION]: '2h' }, alice);
      const approval = stack.jira.transition('OPS-2', 'Approved', bob);
      stack.jira.edit('OPS-2', { labels: ['triaged'], assignee: carol }, carol);
      expect(bodyOf(await stack.deliver(approval))).toMatchObject({ outcome: 'granted' });
      expect(stack.kube.bindings.size).toBe(2);
    });

    it('keeps a denied approval denied when the request is put back, and grants on a new approval', async () => {
      // Prepare: edited after approval, denied.
      stack = await new TestStack().start();
      stack.ticket('OPS-3', { [PROFILE]: 'payments-read' });
      const approval = stack.jira.transition('OPS-3', 'Approved', bob);
      stack.jira.edit('OPS-3', { [NAMESPACES]: ['kube-system'] }, alice);
      expect(bodyOf(await stack.deliver(approval))).toMatchObject({ outcome: 'denied' });

      // Act 1: the requester puts it back and some other hint for the ticket arrives; Jira's retry of the old body too.
      stack.jira.edit('OPS-3', { [NAMESPACES]: null }, alice);
      const retry = bodyOf(await stack.deliver(approval, { deliveryId: 'fresh-id' }));
      const rehint = await stack.container.processTicket({ source: 'jira', ticketKey: 'OPS-3', actor: 'test' });
      // Assess 1: still denied, and quietly (one comment in all).
      expect(retry.outcome).toBe('duplicate-delivery');
      expect(rehint).toMatchObject({ kind: 'already-decided', code: 'changed-after-approval' });
      await nothingGranted('OPS-3');
      expect(stack.jira.comments('OPS-3')).toHaveLength(1);

      // Act 2: a new approval of the corrected request.
      stack.jira.transition('OPS-3', 'In Review', alice);
      const second = bodyOf(await stack.deliver(stack.jira.transition('OPS-3', 'Approved', bob)));
      // Assess 2
      expect(second).toMatchObject({ outcome: 'granted' });
      expect(stack.kube.list(LABEL_LEASE_ID, String(second.leaseId))).toHaveLength(2);
    });

    it('never decides a denied approval again, even when its reason has gone away (the per-requester cap)', async () => {
      stack = await new TestStack().start({ catalog: DEMO_CATALOG.replace('subject:', 'maxActiveLeasesPerRequester: 1\nsubject:') });
      stack.ticket('OPS-4', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
      stack.ticket('OPS-5', { [PROFILE]: 'payments-debug' });
      const first = bodyOf(await stack.deliver(stack.jira.transition('OPS-4', 'Approved', bob)));
      expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-5', 'Approved', bob)))).toMatchObject({ outcome: 'denied', code: 'too-many-leases' });
      await stack.container.revokeLease({ leaseId: String(first.leaseId), cause: 'manual', actor: 'test' });
      // The cap no longer bites, but the approval was decided.
      const again = await stack.container.processTicket({ source: 'jira', ticketKey: 'OPS-5', actor: 'test' });
      expect(again).toMatchObject({ kind: 'duplicate', lease: { status: 'FAILED' } });
      expect(stack.kube.bindings.size).toBe(0);
      expect(stack.jira.comments('OPS-5')).toHaveLength(1);
    });

    it('reads a changelog longer than one embedded page to the end, and still sees the edit', async () => {
      stack = await new TestStack().start();
      stack.ticket('OPS-6', { [PROFILE]: 'payments-read' });
      stack.jira.churn('OPS-6', EMBEDDED_CHANGELOG_LIMIT + 30, carol);
      const approval = stack.jira.transition('OPS-6', 'Approved', bob);
      stack.jira.edit('OPS-6', { [DURATION]: '4h' }, alice);
      stack.jira.churn('OPS-6', EMBEDDED_CHANGELOG_LIMIT, carol);
      expect(bodyOf(await stack.deliver(approval))).toMatchObject({ outcome: 'denied', code: 'changed-after-approval' });
      expect(stack.jira.requests.filter((r) => r.path === '/rest/api/2/issue/OPS-6/changelog').length).toBeGreaterThanOrEqual(3);
    });

    it('fails closed when a long changelog cannot be read to the end (no changelog resource)', async () => {
      stack = await new TestStack().start();
      stack.jira.changelogResource = false;
      stack.ticket('OPS-7', { [PROFILE]: 'payments-read' });
      stack.jira.churn('OPS-7', EMBEDDED_CHANGELOG_LIMIT + 1, carol);
      const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-7', 'Approved', bob)));
      expect(body).toMatchObject({ outcome: 'denied', code: 'approval-unverifiable' });
      expect(String(body.reason)).toContain('could not be read completely');
      await nothingGranted('OPS-7');
    });

    it('finds the approval by field id: a custom field displayed as "status" mints none', async () => {
      // Prepare: the site has a custom field its admins named "status"; bob's approval granted, and the lease ended.
      stack = await new TestStack().start();
      stack.jira.fieldNames.customfield_10200 = 'status';
      stack.ticket('OPS-9', { [PROFILE]: 'payments-read' });
      const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-9', 'Approved', bob)));
      await stack.container.revokeLease({ leaseId: String(granted.leaseId), cause: 'manual', actor: 'test' });
      const comments = stack.jira.comments('OPS-9').length;
      // Act: carol (not the requester) sets that field to "Approved"; its changelog item reads
      // { field: "status", fieldtype: "custom", fieldId: "customfield_10200", toString: "Approved" }.
      const edit = stack.jira.edit('OPS-9', { customfield_10200: 'Approved' }, carol);
      expect(stack.jira.issue('OPS-9').histories.at(-1)?.items).toEqual([expect.objectContaining({ field: 'status', fieldtype: 'custom', fieldId: 'customfield_10200', toString: 'Approved' })]);
      const body = bodyOf(await stack.deliver(edit));
      // Assess: the approval is still bob's transition, already used: no new lease, nothing said.
      expect(body).toMatchObject({ outcome: 'duplicate', leaseId: granted.leaseId, status: 'REVOKED' });
      expect(stack.kube.bindings.size).toBe(0);
      expect((await stack.container.leases.listForTicket('jira', 'OPS-9')).leases.map((l) => l.id)).toEqual([granted.leaseId]);
      expect(stack.jira.comments('OPS-9')).toHaveLength(comments);
    });

    it('cancels a scheduled lease whose request is edited before its window opens', async () => {
      stack = await new TestStack().start({ catalog: WINDOW_CATALOG });
      const start = new Date(stack.clock.now().getTime() + 3600_000).toISOString();
      stack.ticket('OPS-8', { [PROFILE]: 'payments-read', [DURATION]: '1h', customfield_10103: start });
      const scheduled = bodyOf(await stack.deliver(stack.jira.transition('OPS-8', 'Approved', bob)));
      expect(scheduled.outcome).toBe('scheduled');
      stack.jira.edit('OPS-8', { [PROFILE]: 'payments-debug' }, alice);
      stack.clock.advance(3600_000 + 1000);
      const outcome = await stack.container.activateLease({ leaseId: String(scheduled.leaseId), actor: 'eventbridge' });
      expect(outcome).toMatchObject({ kind: 'cancelled', reason: expect.stringContaining('changed after it was approved (profile)') });
      expect(stack.kube.bindings.size).toBe(0);
      expect((await stack.container.leases.get(String(scheduled.leaseId)))?.status).toBe('REVOKED');
    });
  });

  describe('Jira Service Management: edits after the approval is decided void it', () => {
    it('denies when the request changed after the JSM approval completed', async () => {
      stack = await new TestStack().start({ catalog: SERVICE_DESK_CATALOG });
      stack.ticket('SD-1', { [PROFILE]: 'payments-read' });
      stack.jira.serviceDeskDecision('SD-1', 'approved', [carol]);
      stack.clock.advance(1000);
      stack.jira.edit('SD-1', { [PROFILE]: 'payments-debug' }, alice);
      const body = bodyOf(await stack.deliver(stack.jira.transition('SD-1', 'Approved', bob)));
      expect(body).toMatchObject({ outcome: 'denied', code: 'changed-after-approval' });
      await nothingGranted('SD-1');
    });
  });

  describe('replays', () => {
    it('decides, records and comments once, however many fresh delivery ids carry one signed denial', async () => {
      stack = await new TestStack().start();
      stack.ticket('OPS-10', { [PROFILE]: 'payments-read' });
      const payload = stack.jira.transition('OPS-10', 'Approved', alice);
      const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => stack.deliver(payload, { deliveryId: `replay-${i}` })));
      const outcomes = responses.map((r) => bodyOf(r).outcome).sort();
      expect(outcomes).toEqual(['denied', 'duplicate-delivery', 'duplicate-delivery', 'duplicate-delivery', 'duplicate-delivery']);
      // Each copy reads the ticket beside its delivery claim; only the one that holds the claim decides.
      expect(stack.jira.requests.filter((r) => r.method === 'GET' && r.path === '/rest/api/2/issue/OPS-10')).toHaveLength(5);
      expect(stack.jira.requests.filter((r) => r.method !== 'GET')).toHaveLength(1);
      expect(stack.jira.comments('OPS-10')).toHaveLength(1);
      expect(stack.audit.kinds()).toEqual(['deny']);
    });

    it('refuses a Jira body whose signed timestamp is older than the window (401), and admits one inside it', async () => {
      stack = await new TestStack().start({ env: { JIRA_WEBHOOK_MAX_AGE_SECONDS: '1800' } });
      stack.ticket('OPS-11', { [PROFILE]: 'payments-read' });
      const payload = stack.jira.transition('OPS-11', 'Approved', bob);
      stack.clock.advance(1801_000);
      const stale = await stack.deliver(payload);
      expect(stale.statusCode).toBe(401);
      expect(bodyOf(stale).error).toMatch(/1801 s old \(more than 1800 s: a replay\)/);
      expect(stack.jira.requests).toHaveLength(0);
      expect(stack.audit.events).toMatchObject([{ kind: 'reject', code: 'bad-signature' }]);
      // A late retry by Jira itself (25 minutes) is still inside the window.
      stack.ticket('OPS-12', { [PROFILE]: 'payments-read' });
      const late = stack.jira.transition('OPS-12', 'Approved', bob);
      stack.clock.advance(25 * 60_000);
      expect(bodyOf(await stack.deliver(late)).outcome).toBe('granted');
    });

    it('refuses a body without a signed timestamp, or one far in the future', async () => {
      stack = await new TestStack().start();
      const stamped = (timestamp: unknown) => ({ timestamp, webhookEvent: 'jira:issue_updated', issue: { key: 'OPS-13' }, changelog: { items: [{ field: 'status', toString: 'Approved' }] } });
      for (const timestamp of ['yesterday', null, stack.clock.now().getTime() + 3600_000]) {
        expect((await stack.deliver(stamped(timestamp))).statusCode).toBe(401);
      }
      expect(stack.jira.requests).toHaveLength(0);
    });
  });

  describe('approvers are people', () => {
    const inactive: JiraUser = { accountId: '5f1c0a1b2c3d4e5f6a7b8c09', emailAddress: 'gone@example.com', displayName: 'Former Lead', accountType: 'atlassian', active: false };
    const customer: JiraUser = { accountId: 'qm:1a2b3c', displayName: 'Portal Customer', accountType: 'customer', active: true };

    it.each<[string, JiraUser]>([
      ['Automation for Jira (an app account)', AUTOMATION_FOR_JIRA],
      ['a deactivated account', inactive],
      ['a JSM portal customer', customer],
    ])('denies a transition made by %s', async (_label, approver) => {
      stack = await new TestStack().start();
      stack.ticket('OPS-20', { [PROFILE]: 'payments-read' });
      const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-20', 'Approved', approver)));
      expect(body).toMatchObject({ outcome: 'denied', code: 'approver-not-person' });
      expect(String(body.reason)).toContain(approver.displayName);
      await nothingGranted('OPS-20');
    });

    it('counts an automation account the catalog names explicitly', async () => {
      stack = await new TestStack().start({ catalog: DEMO_CATALOG.replace('  approvedStatuses: [Approved]', `  approvedStatuses: [Approved]\n  automationApprovers: ["${AUTOMATION_FOR_JIRA.accountId}"]`) });
      stack.ticket('OPS-21', { [PROFILE]: 'payments-read' });
      expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-21', 'Approved', AUTOMATION_FOR_JIRA)))).toMatchObject({ outcome: 'granted' });
    });
  });

  describe("kube-lease's own accounts never approve", () => {
    it('denies a transition by its Jira account even where the catalog names it an automation approver', async () => {
      // Prepare: the account kube-lease signs in as, named (wrongly) among the automation approvers.
      stack = await new TestStack().start({ catalog: DEMO_CATALOG.replace('  approvedStatuses: [Approved]', `  approvedStatuses: [Approved]\n  automationApprovers: ["5b10ac8d82e05b22cc7d4ef5"]`) });
      expect(stack.jira.botUser.accountId).toBe('5b10ac8d82e05b22cc7d4ef5');
      stack.ticket('OPS-22', { [PROFILE]: 'payments-read' });
      // Act
      const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-22', 'Approved', stack.jira.botUser)));
      // Assess
      expect(body).toMatchObject({ outcome: 'denied', code: 'approver-is-integration' });
      await nothingGranted('OPS-22');
      expect(stack.jira.comments('OPS-22')).toEqual([expect.stringMatching(/^Access denied, nothing was granted: the approval came from kube-lease bot, the account kube-lease itself uses/)]);
    });

    it('answers 503 and grants nothing while it cannot tell its own Jira account (GET /myself fails), and grants once it can', async () => {
      stack = await new TestStack().start();
      stack.ticket('OPS-23', { [PROFILE]: 'payments-read' });
      const approval = stack.jira.transition('OPS-23', 'Approved', bob);
      stack.jira.failNext({ method: 'GET', pathIncludes: '/rest/api/2/myself', times: 50, response: { status: 503, body: { errorMessages: ['Service unavailable'] } } });
      expect((await stack.deliver(approval, { deliveryId: 'first' })).statusCode).toBe(503);
      await nothingGranted('OPS-23');
      stack.jira.clearFaults();
      expect(bodyOf(await stack.deliver(approval, { deliveryId: 'first' }))).toMatchObject({ outcome: 'granted' });
    });
  });

  describe('scope and silence', () => {
    it('ignores an issue of a project outside jira.projects before reading it, and says nothing', async () => {
      stack = await new TestStack().start({ catalog: SCOPED_CATALOG });
      stack.ticket('HR-1', { [PROFILE]: 'payments-read' });
      const response = await stack.deliver(stack.jira.transition('HR-1', 'Approved', bob));
      expect(response.statusCode).toBe(202);
      expect(bodyOf(response)).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('project HR') });
      expect(stack.jira.requests).toHaveLength(0);
      expect(stack.jira.comments('HR-1')).toEqual([]);
    });

    it('ignores an issue type outside jira.issueTypes after reading it, and says nothing', async () => {
      stack = await new TestStack().start({ catalog: SCOPED_CATALOG });
      stack.ticket('OPS-30', { [PROFILE]: 'payments-read', issuetype: { id: '10004', name: 'Bug' } });
      const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-30', 'Approved', bob)));
      expect(body).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('issue type Bug') });
      expect(stack.jira.comments('OPS-30')).toEqual([]);
      expect(stack.audit.events).toEqual([]);
    });

    it('says nothing on an approved Jira ticket that asks for no access', async () => {
      stack = await new TestStack().start();
      stack.ticket('OPS-31', {});
      const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-31', 'Approved', bob)));
      expect(body).toMatchObject({ outcome: 'ignored', reason: 'the ticket names no access profile' });
      expect(stack.jira.comments('OPS-31')).toEqual([]);
      expect(stack.audit.events).toEqual([]);
    });
  });

  describe('ServiceNow', () => {
    let requester: SnUser;
    let approver: SnUser;
    async function start(catalog?: string): Promise<void> {
      stack = await new TestStack().start(catalog === undefined ? {} : { catalog });
      requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
      approver = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob Approver');
    }
    const change = (fields: Record<string, string> = {}) => stack.servicenow.createChange(requester, { u_k8s_profile: 'payments-read', u_k8s_duration: '1h', ...fields });

    it.each<[string, Record<string, string>, string]>([
      ['profile', { u_k8s_profile: 'payments-debug' }, 'profile'],
      ['duration', { u_k8s_duration: '4h' }, 'duration'],
      ['namespaces', { u_k8s_namespaces: 'payments,checkout' }, 'namespaces'],
      ['justification', { justification: 'something else' }, 'justification'],
      ['start date', { start_date: '2026-12-01 10:00:00' }, 'start'],
      ['end date', { end_date: '2026-12-01 12:00:00' }, 'end'],
    ])('denies a change whose %s changed after the approval (state moved to Implement afterwards)', async (_label, edit, field) => {
      await start();
      const chg = change();
      stack.servicenow.approve(chg, approver);
      stack.servicenow.update(chg, edit, requester);
      stack.servicenow.update(chg, { state: '-1' }, requester);
      const body = bodyOf(await stack.deliverServiceNow(chg));
      expect(body).toMatchObject({ outcome: 'denied', code: 'changed-after-approval' });
      expect(String(body.reason)).toContain(`(${field})`);
      expect(stack.kube.bindings.size).toBe(0);
      expect(stack.servicenow.notes(chg)).toEqual([expect.stringContaining('approve it again')]);
    });

    it('fails closed when the audit history cannot be read (no ACL on sys_audit: rows filtered silently)', async () => {
      await start();
      stack.servicenow.auditReadable = false;
      const chg = change();
      stack.servicenow.approve(chg, approver);
      const body = bodyOf(await stack.deliverServiceNow(chg));
      expect(body).toMatchObject({ outcome: 'denied', code: 'approval-unverifiable' });
      expect(String(body.reason)).toContain('sys_audit');
      expect(stack.kube.bindings.size).toBe(0);
    });

    it('fails closed, naming the cause, when the audit rows are of unexpected shape', async () => {
      await start();
      const chg = change();
      stack.servicenow.approve(chg, approver);
      // A row without its update count (e.g. a customised sys_audit): the order of edits is unknown.
      for (const row of stack.servicenow.audit) delete row.record_checkpoint;
      const body = bodyOf(await stack.deliverServiceNow(chg));
      expect(body).toMatchObject({ outcome: 'denied', code: 'approval-unverifiable' });
      expect(String(body.reason)).toContain('audit records of unexpected shape');
      expect(stack.kube.bindings.size).toBe(0);
    });

    it.each<[string, { active?: boolean; webServiceOnly?: boolean }]>([
      ['a web-service-only account', { webServiceOnly: true }],
      ['an inactive user', { active: false }],
    ])('denies an approval by %s', async (_label, options) => {
      await start();
      const robot = stack.servicenow.addUser('integration.bot', 'bot@example.com', 'Integration Bot', options);
      const chg = change();
      stack.servicenow.approve(chg, robot);
      expect(bodyOf(await stack.deliverServiceNow(chg))).toMatchObject({ outcome: 'denied', code: 'approver-not-person' });
    });

    it('writes no work note on any state change of a change that requests no access', async () => {
      await start();
      const chg = stack.servicenow.createChange(requester, {});
      for (const [state, approve] of [['-4', false], ['-3', false], ['-2', true], ['-1', false], ['0', false], ['3', false]] as const) {
        if (approve) stack.servicenow.approve(chg, approver, state);
        else stack.servicenow.update(chg, { state }, requester);
        const response = await stack.deliverServiceNow(chg);
        expect(response.statusCode).toBe(200);
      }
      expect(stack.servicenow.notes(chg)).toEqual([]);
      expect(stack.audit.events).toEqual([]);
    });

    it('says nothing false when a granted change moves Implement → Review: access stays until its expiry', async () => {
      await start();
      const chg = change();
      stack.servicenow.approve(chg, approver, '-1');
      const granted = bodyOf(await stack.deliverServiceNow(chg));
      expect(granted.outcome).toBe('granted');
      stack.servicenow.update(chg, { state: '0' }, requester);
      const review = bodyOf(await stack.deliverServiceNow(chg));
      expect(review.outcome).toBe('ignored');
      expect(stack.servicenow.notes(chg)).toHaveLength(1);
      expect(stack.servicenow.notes(chg)[0]).toMatch(/^Access granted/);
      expect(stack.kube.list(LABEL_LEASE_ID, String(granted.leaseId))).toHaveLength(2);
    });

    it('refuses a captured request sent again under a new delivery id (the id is signed), and repeats of the same one quietly', async () => {
      await start();
      const chg = change();
      stack.servicenow.approve(chg, approver);
      const timestamp = Math.floor(stack.clock.now().getTime() / 1000);
      const first = await stack.deliverServiceNow(chg, { timestamp, deliveryId: 'a1b2c3d4-0000-4000-8000-000000000001' });
      expect(bodyOf(first).outcome).toBe('granted');
      const again = await stack.deliverServiceNow(chg, { timestamp, deliveryId: 'a1b2c3d4-0000-4000-8000-000000000001' });
      expect(bodyOf(again).outcome).toBe('duplicate-delivery');
      // The captured signature with another id: the signature no longer matches.
      const signature = (await import('../../lib/sources/servicenow/servicenow-webhook.js')).signServiceNowBody(
        String(timestamp),
        'a1b2c3d4-0000-4000-8000-000000000001',
        JSON.stringify({ sys_id: chg.sys_id, number: chg.number, table: 'change_request', event: 'update' }),
        'test-servicenow-secret',
      );
      const forged = await stack.deliverServiceNow(chg, { timestamp, deliveryId: 'a1b2c3d4-0000-4000-8000-000000000002', signature });
      expect(forged.statusCode).toBe(401);
      expect(stack.servicenow.notes(chg)).toHaveLength(1);
    });
  });

  describe('an extension that is denied says nothing false about the open access', () => {
    it('tells that the open lease is unchanged instead of "nothing was granted"', async () => {
      stack = await new TestStack().start();
      stack.ticket('OPS-40', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
      const first = bodyOf(await stack.deliver(stack.jira.transition('OPS-40', 'Approved', bob)));
      stack.jira.transition('OPS-40', 'In Review', alice);
      stack.jira.edit('OPS-40', { [DURATION]: '9h' }, alice);
      const second = bodyOf(await stack.deliver(stack.jira.transition('OPS-40', 'Approved', bob)));
      expect(second).toMatchObject({ outcome: 'denied', code: 'duration-over-max' });
      const note = stack.jira.comments('OPS-40').at(-1) ?? '';
      expect(note).not.toContain('nothing was granted');
      expect(note).toContain(`This approval was not applied`);
      expect(note).toContain(`lease ${String(first.leaseId)} (active, until ${String(first.expiresAt)})`);
    });
  });

  it('grants through a Kubernetes 500 burst shorter than the retry budget', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-50', { [PROFILE]: 'payments-read' });
    stack.kube.failNext({ method: 'POST', times: 2, response: { status: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: leader changed', reason: 'InternalError', code: 500 } } });
    expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-50', 'Approved', bob)))).toMatchObject({ outcome: 'granted' });
    expect(stack.kube.bindings.size).toBe(2);
  });
});

describe('ticket text is never echoed as markup', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('puts Jira comments in a {noformat} block: a link in a quoted field stays text', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-60', { [PROFILE]: '[Click to re-approve|https://evil.example/sso] {noformat} https://evil.example/2' });
    expect(bodyOf(await stack.deliver(stack.jira.transition('OPS-60', 'Approved', bob)))).toMatchObject({ outcome: 'denied', code: 'unknown-profile' });
    const [raw] = stack.jira.rawComments('OPS-60');
    expect(raw).toMatch(/^\{noformat\}Access denied[\s\S]*Click to re-approve[\s\S]*\{noformat\}$/);
    expect(stack.jira.liveLinks('OPS-60')).toEqual([]);
  });

  it('never lets a work note open a [code] block', async () => {
    stack = await new TestStack().start();
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const approver = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob Approver');
    const chg = stack.servicenow.createChange(requester, { u_k8s_profile: '[code]<a href="https://evil.example">re-approve</a>[/code]' });
    stack.servicenow.approve(chg, approver);
    expect(bodyOf(await stack.deliverServiceNow(chg))).toMatchObject({ outcome: 'denied', code: 'unknown-profile' });
    const [note] = stack.servicenow.notes(chg);
    expect(note).toBeDefined();
    expect(note).not.toMatch(/\[code\]/i);
    expect(note).not.toMatch(/\[\/code\]/i);
  });
});

describe('found by review: what an approval covers', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });
  const nothingGranted = (key: string) => nothingGrantedOn(stack, key);

  it('does not stretch an open lease for someone else: a re-approval of a request that now names another person is a new lease', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-70', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    const first = bodyOf(await stack.deliver(stack.jira.transition('OPS-70', 'Approved', bob)));
    expect(first.outcome).toBe('granted');
    // Between the approvals the ticket is changed to carol and one namespace, then approved again.
    stack.jira.transition('OPS-70', 'In Review', alice);
    stack.jira.edit('OPS-70', { reporter: carol, [NAMESPACES]: ['payments'] }, alice);
    const second = bodyOf(await stack.deliver(stack.jira.transition('OPS-70', 'Approved', bob)));
    expect(second.outcome).toBe('granted');
    expect(second.leaseId).not.toBe(first.leaseId);
    const aliceLease = await stack.container.leases.get(String(first.leaseId));
    expect(aliceLease?.expiresAt).toBe(first.expiresAt);
    expect(stack.kube.list(LABEL_LEASE_ID, String(second.leaseId)).map((b) => [b.metadata.namespace, b.subjects[0]?.name])).toEqual([['payments', 'carol@example.com']]);
  });

  it('JSM: an edit between two approval steps voids the approval (the first approver never saw it)', async () => {
    stack = await new TestStack().start({ catalog: SERVICE_DESK_CATALOG });
    stack.ticket('SD-10', { [PROFILE]: 'payments-read' });
    stack.jira.serviceDeskDecision('SD-10', 'approved', [carol]);
    stack.clock.advance(1000);
    stack.jira.edit('SD-10', { [PROFILE]: 'payments-debug' }, alice);
    stack.clock.advance(1000);
    stack.jira.serviceDeskDecision('SD-10', 'approved', [bob]);
    const body = bodyOf(await stack.deliver(stack.jira.transition('SD-10', 'Approved', bob)));
    expect(body).toMatchObject({ outcome: 'denied', code: 'changed-after-approval' });
    await nothingGranted('SD-10');
  });

  it('ServiceNow: an edit between two approvers voids the approval', async () => {
    stack = await new TestStack().start();
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    const first = stack.servicenow.addUser('carol', 'carol@example.com', 'Carol CAB');
    const second = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob Approver');
    const chg = stack.servicenow.createChange(requester, { u_k8s_profile: 'payments-read', u_k8s_duration: '1h' });
    stack.servicenow.approveStep(chg, first);
    stack.clock.advance(1000);
    stack.servicenow.update(chg, { u_k8s_profile: 'payments-debug' }, requester);
    stack.clock.advance(1000);
    stack.servicenow.approve(chg, second);
    expect(bodyOf(await stack.deliverServiceNow(chg))).toMatchObject({ outcome: 'denied', code: 'changed-after-approval' });
    expect(stack.kube.bindings.size).toBe(0);
  });

  it('Jira: a changelog entry that cannot be ordered against the approval fails closed, never passes as intact', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-72', { [PROFILE]: 'payments-read' });
    const approval = stack.jira.transition('OPS-72', 'Approved', bob);
    stack.jira.issue('OPS-72').histories.push({
      id: 'not-a-number',
      created: stack.clock.now().toISOString().replace('Z', '+0000'),
      author: alice,
      items: [{ field: 'Access profile', fieldtype: 'custom', fieldId: PROFILE, from: null, fromString: 'payments-read', to: null, toString: 'payments-debug' }],
    });
    const response = await stack.deliver(approval);
    expect(bodyOf(response).outcome).not.toBe('granted');
    await nothingGranted('OPS-72');
  });

  it('Jira Server/DC: a custom field edited after the approval without a field id fails closed', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-71', { [PROFILE]: 'payments-read' });
    const approval = stack.jira.transition('OPS-71', 'Approved', bob);
    // An old Server/DC changelog item: the custom field named by its display name only.
    stack.jira.issue('OPS-71').histories.push({
      id: '99999999',
      created: stack.clock.now().toISOString().replace('Z', '+0000'),
      author: alice,
      items: [{ field: 'Access profile', fieldtype: 'custom', fieldId: undefined as unknown as string, from: null, fromString: 'payments-read', to: null, toString: 'payments-debug' }],
    });
    const body = bodyOf(await stack.deliver(approval));
    expect(body).toMatchObject({ outcome: 'denied', code: 'approval-unverifiable' });
    await nothingGranted('OPS-71');
  });
});
