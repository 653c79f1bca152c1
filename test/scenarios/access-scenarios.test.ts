import { afterEach, describe, expect, it } from '@jest/globals';
import type { HttpResponse } from '../../lib/ports/http.js';
import { snDate, type SnUser } from '../fakes/fake-servicenow.js';
import { WINDOW_CATALOG } from '../support/demo-catalog.js';
import { alice, bob, bodyOf, carol, TestStack } from '../support/stack.js';

const HOUR = 3_600_000;

/** What a request asks for: a duration, and optionally a change window. */
interface Ask {
  readonly duration: string;
  readonly start?: number;
  readonly end?: number;
}

/**
 * How one ITSM source is driven from the outside, as a person would: open a request, approve it
 * (by the approver, the requester, or a second approver), close it. Each step is delivered to the
 * webhook as the source sends it; every assertion below is the same for every source.
 */
interface SourceDriver {
  readonly name: string;
  readonly source: 'jira' | 'servicenow';
  /** Whether earlier approvals stand beside a new one (JSM steps, ServiceNow records); a Jira status approval is only the newest transition. */
  readonly approvalsAccumulate: boolean;
  readonly catalog: string;
  prepare(stack: TestStack): void;
  open(stack: TestStack, ask: Ask): string;
  approve(stack: TestStack, ticket: string, by: 'approver' | 'requester' | 'second'): Promise<HttpResponse>;
  /**
   * One more approval on an approved ticket, leaving the earlier ones standing, as an insider can:
   * Jira, a new approving transition; JSM, a later approval step; ServiceNow, an approval record
   * added to the change (without a new round, which would reset the earlier ones).
   */
  approveOnTop(stack: TestStack, ticket: string, by: 'approver' | 'second'): Promise<HttpResponse>;
  /** An approval by the account kube-lease itself signs in as (its credentials in the wrong hands, or an automation run as it). */
  approveAsIntegration(stack: TestStack, ticket: string): Promise<HttpResponse>;
  close(stack: TestStack, ticket: string): Promise<HttpResponse>;
  comments(stack: TestStack, ticket: string): string[];
}

const JIRA_FIELDS = { profile: 'customfield_10100', duration: 'customfield_10101', start: 'customfield_10103', end: 'customfield_10104' };

function jiraDriver(name: string, serviceDesk: boolean): SourceDriver {
  let next = 0;
  const people = { approver: bob, requester: alice, second: carol };
  return {
    name,
    source: 'jira',
    approvalsAccumulate: serviceDesk,
    catalog: serviceDesk ? WINDOW_CATALOG.replace('  closedStatuses: [Done, Declined]\n', '  closedStatuses: [Done, Declined]\n  approvals: servicedesk\n') : WINDOW_CATALOG,
    prepare: () => undefined,
    open(stack, ask) {
      next += 1;
      const key = `${serviceDesk ? 'SD' : 'OPS'}-${next}`;
      stack.ticket(key, {
        [JIRA_FIELDS.profile]: 'payments-read',
        [JIRA_FIELDS.duration]: ask.duration,
        ...(ask.start === undefined ? {} : { [JIRA_FIELDS.start]: new Date(ask.start).toISOString() }),
        ...(ask.end === undefined ? {} : { [JIRA_FIELDS.end]: new Date(ask.end).toISOString() }),
      });
      return key;
    },
    async approve(stack, key, by) {
      // A re-approval goes back to review first, as a workflow would.
      if (stack.jira.issue(key).fields.status.name === 'Approved') stack.jira.transition(key, 'In Review', alice);
      if (serviceDesk) stack.jira.serviceDeskDecision(key, 'approved', [people[by]]);
      return stack.deliver(stack.jira.transition(key, 'Approved', serviceDesk ? bob : people[by]));
    },
    approveOnTop(stack, key, by) {
      return this.approve(stack, key, by);
    },
    approveAsIntegration(stack, key) {
      // Its email hidden, as many Cloud sites show accounts: only its accountId can tell it.
      const { emailAddress: _hidden, ...bot } = stack.jira.botUser;
      if (serviceDesk) stack.jira.serviceDeskDecision(key, 'approved', [bot]);
      return stack.deliver(stack.jira.transition(key, 'Approved', serviceDesk ? bob : bot));
    },
    close: (stack, key) => stack.deliver(stack.jira.transition(key, 'Done', bob)),
    comments: (stack, key) => stack.jira.comments(key),
  };
}

function serviceNowDriver(): SourceDriver {
  const users = new Map<string, SnUser>();
  const changes = new Map<string, Record<string, string>>();
  const change = (number: string) => {
    const found = changes.get(number);
    if (found === undefined) throw new Error(`no change ${number}`);
    return found;
  };
  return {
    name: 'ServiceNow change requests',
    source: 'servicenow',
    approvalsAccumulate: true,
    catalog: WINDOW_CATALOG,
    prepare(stack) {
      users.set('requester', stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer'));
      users.set('approver', stack.servicenow.addUser('bob', 'bob@example.com', 'Bob Approver'));
      users.set('second', stack.servicenow.addUser('carol', 'carol@example.com', 'Carol CAB'));
    },
    open(stack, ask) {
      const now = stack.clock.now().getTime();
      const chg = stack.servicenow.createChange(users.get('requester') as SnUser, {
        u_k8s_profile: 'payments-read',
        u_k8s_duration: ask.duration,
        start_date: snDate(ask.start ?? now - HOUR),
        end_date: snDate(ask.end ?? now + 8 * HOUR),
      });
      changes.set(chg.number ?? '', chg);
      return chg.number ?? '';
    },
    approve(stack, number, by) {
      const chg = change(number);
      const person = users.get(by) as SnUser;
      if (chg.approval === 'approved') stack.servicenow.reapprove(chg, person);
      else stack.servicenow.approve(chg, person);
      return stack.deliverServiceNow(chg);
    },
    approveOnTop(stack, number, by) {
      const chg = change(number);
      stack.servicenow.approveStep(chg, users.get(by) as SnUser);
      return stack.deliverServiceNow(chg);
    },
    approveAsIntegration(stack, number) {
      // The user kube-lease signs in as, an ordinary interactive account here.
      const integration = stack.servicenow.addUser('kube-lease.integration', 'kube-lease@example.com', 'kube-lease integration');
      stack.servicenow.approve(change(number), integration);
      return stack.deliverServiceNow(change(number));
    },
    close(stack, number) {
      const chg = change(number);
      stack.servicenow.update(chg, { state: '3' }, 'bob');
      return stack.deliverServiceNow(chg);
    },
    comments: (stack, number) => stack.servicenow.notes(change(number)),
  };
}

describe.each([jiraDriver('Jira (status approvals)', false), jiraDriver('Jira Service Management (approvals)', true), serviceNowDriver()])(
  'access scenarios: $name',
  (driver) => {
    let stack: TestStack;
    const start = async (catalog = driver.catalog) => {
      stack = await new TestStack().start({ catalog });
      driver.prepare(stack);
    };
    /** Why carol's approval on top of bob's used one is denied: bob's no longer counts (a Jira status approval is carol's transition alone). */
    const notAllowed = (leaseId: unknown) =>
      driver.approvalsAccumulate
        ? `no new approval comes from someone who may approve profile "payments-read" (the approvals lease ${String(leaseId)} already used do not count again); someone who may approve it must approve again`
        : 'no approver of this ticket may approve profile "payments-read"';
    /** Only bob may approve payments-read. */
    const onlyBob = () => driver.catalog.replace('    roleRef: { kind: ClusterRole, name: view }\n', '    roleRef: { kind: ClusterRole, name: view }\n    approvers: [bob@example.com]\n');
    afterEach(async () => {
      await stack.stop();
    });

    it('grants an approved request: bindings in every namespace, lease ACTIVE, the ticket told once', async () => {
      // Prepare
      await start();
      const ticket = driver.open(stack, { duration: '1h' });
      // Act
      const body = bodyOf(await driver.approve(stack, ticket, 'approver'));
      // Assess
      expect(body).toMatchObject({ outcome: 'granted', status: 'ACTIVE' });
      expect(stack.kube.bindings.size).toBe(2);
      expect(driver.comments(stack, ticket)).toEqual([expect.stringContaining('Access granted')]);
    });

    it('denies a request its requester approved: nothing created, the reason on the ticket', async () => {
      // Prepare
      await start();
      const ticket = driver.open(stack, { duration: '1h' });
      // Act
      const body = bodyOf(await driver.approve(stack, ticket, 'requester'));
      // Assess
      expect(body).toMatchObject({ outcome: 'denied', code: 'self-approval' });
      expect(stack.kube.bindings.size).toBe(0);
      expect(driver.comments(stack, ticket)).toEqual([expect.stringContaining('Access denied, nothing was granted')]);
    });

    it('extends an active lease on a second approval instead of granting twice', async () => {
      // Prepare
      await start();
      const ticket = driver.open(stack, { duration: '1h' });
      const first = bodyOf(await driver.approve(stack, ticket, 'approver'));
      stack.clock.advance(50 * 60_000);
      // Act
      const second = bodyOf(await driver.approve(stack, ticket, 'second'));
      // Assess
      expect(second).toMatchObject({ outcome: 'extended', leaseId: first.leaseId, previousExpiresAt: first.expiresAt });
      expect(Date.parse(String(second.expiresAt))).toBeGreaterThan(Date.parse(String(first.expiresAt)));
      expect(stack.kube.bindings.size).toBe(2);
      expect(driver.comments(stack, ticket).at(-1)).toContain('Access extended');
    });

    it('spends an allowed approval once: a non-allowed approver added later extends nothing', async () => {
      // Prepare: bob, the only allowed approver, approves; his approval grants.
      await start(onlyBob());
      expect(driver.catalog).not.toBe(onlyBob());
      const ticket = driver.open(stack, { duration: '1h' });
      const first = bodyOf(await driver.approve(stack, ticket, 'approver'));
      expect(first).toMatchObject({ outcome: 'granted' });
      stack.clock.advance(50 * 60_000);
      // Act: carol, who may not approve this profile, approves on top of bob's approval.
      const second = bodyOf(await driver.approveOnTop(stack, ticket, 'second'));
      // Assess: denied (bob's approval was used), the lease as it was, the ticket told so.
      expect(second).toMatchObject({ outcome: 'denied', code: 'approver-not-allowed', reason: notAllowed(first.leaseId) });
      expect(await stack.container.leases.get(String(first.leaseId))).toMatchObject({ status: 'ACTIVE', expiresAt: first.expiresAt });
      expect(stack.kube.bindings.size).toBe(2);
      expect(stack.audit.kinds().filter((k) => k === 'extend' || k === 'grant')).toEqual(['grant']);
      expect(driver.comments(stack, ticket).at(-1)).toBe(`This approval was not applied: ${notAllowed(first.leaseId)}. Access already approved on this ticket is unchanged: lease ${String(first.leaseId)} (active, until ${String(first.expiresAt)}).`);
    });

    it('spends an allowed approval once: a non-allowed approver added after the lease ended grants nothing', async () => {
      // Prepare: bob's approval grants; the lease ends.
      await start(onlyBob());
      const ticket = driver.open(stack, { duration: '1h' });
      const first = bodyOf(await driver.approve(stack, ticket, 'approver'));
      await stack.container.revokeLease({ leaseId: String(first.leaseId), cause: 'manual', actor: 'test' });
      // Act: carol approves on top of bob's used approval.
      const second = bodyOf(await driver.approveOnTop(stack, ticket, 'second'));
      // Assess: denied, no new lease, nothing in the cluster.
      expect(second).toMatchObject({ outcome: 'denied', code: 'approver-not-allowed', reason: notAllowed(first.leaseId) });
      expect(stack.kube.bindings.size).toBe(0);
      expect((await stack.container.leases.listForTicket(driver.source, ticket)).leases.map((l) => l.id)).toEqual([first.leaseId]);
      expect(driver.comments(stack, ticket).at(-1)).toBe(`Access denied, nothing was granted: ${notAllowed(first.leaseId)}.`);
    });

    it('spends the approval an extension used as well: the next non-allowed approver extends nothing', async () => {
      // Prepare: bob's approval grants, bob's next approval extends.
      await start(onlyBob());
      const ticket = driver.open(stack, { duration: '1h' });
      const first = bodyOf(await driver.approve(stack, ticket, 'approver'));
      stack.clock.advance(30 * 60_000);
      const extended = bodyOf(await driver.approveOnTop(stack, ticket, 'approver'));
      expect(extended).toMatchObject({ outcome: 'extended', leaseId: first.leaseId });
      stack.clock.advance(30 * 60_000);
      // Act: carol approves on top of both of bob's approvals.
      const third = bodyOf(await driver.approveOnTop(stack, ticket, 'second'));
      // Assess: neither of bob's approvals counts again.
      expect(third).toMatchObject({ outcome: 'denied', code: 'approver-not-allowed', reason: notAllowed(first.leaseId) });
      expect(await stack.container.leases.get(String(first.leaseId))).toMatchObject({ status: 'ACTIVE', expiresAt: extended.expiresAt });
    });

    it("never counts an approval by kube-lease's own integration account", async () => {
      // Prepare
      await start();
      const ticket = driver.open(stack, { duration: '1h' });
      // Act
      const body = bodyOf(await driver.approveAsIntegration(stack, ticket));
      // Assess
      expect(body).toMatchObject({ outcome: 'denied', code: 'approver-is-integration' });
      expect(String(body.reason)).toMatch(/the account kube-lease itself uses, which never counts as an approver; a person must approve/);
      expect(stack.kube.bindings.size).toBe(0);
      expect(driver.comments(stack, ticket)).toEqual([expect.stringMatching(/^Access denied, nothing was granted: the approval came from kube-lease/)]);
    });

    it('revokes at once when the ticket is closed', async () => {
      // Prepare
      await start();
      const ticket = driver.open(stack, { duration: '2h' });
      const granted = bodyOf(await driver.approve(stack, ticket, 'approver'));
      // Act
      const closed = bodyOf(await driver.close(stack, ticket));
      // Assess
      expect(closed).toEqual({ outcome: 'closed', revoked: [granted.leaseId] });
      expect(stack.kube.bindings.size).toBe(0);
      expect(await stack.container.leases.get(String(granted.leaseId))).toMatchObject({ status: 'REVOKED', revokeCause: 'early' });
      expect(driver.comments(stack, ticket).at(-1)).toContain('Access revoked');
    });

    it('schedules a future change window: nothing before it opens, access when it opens, none after it ends', async () => {
      // Prepare
      await start();
      const opens = stack.clock.now().getTime() + 2 * HOUR;
      const ticket = driver.open(stack, { duration: '4h', start: opens, end: opens + HOUR });
      // Act
      const body = bodyOf(await driver.approve(stack, ticket, 'approver'));
      const before = stack.kube.bindings.size;
      stack.clock.advance(2 * HOUR + 1000);
      const activated = await stack.container.activateLease({ leaseId: String(body.leaseId), actor: 'eventbridge' });
      const during = stack.kube.bindings.size;
      stack.clock.advance(HOUR);
      const revoked = await stack.container.revokeLease({ leaseId: String(body.leaseId), cause: 'expiry', actor: 'eventbridge' });
      // Assess
      expect(body).toMatchObject({ outcome: 'scheduled', status: 'SCHEDULED' });
      expect([before, activated.kind, during, revoked.kind, stack.kube.bindings.size]).toEqual([0, 'activated', 2, 'revoked', 0]);
    });
  },
);
