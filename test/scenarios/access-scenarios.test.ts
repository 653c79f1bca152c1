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
  readonly catalog: string;
  prepare(stack: TestStack): void;
  open(stack: TestStack, ask: Ask): string;
  approve(stack: TestStack, ticket: string, by: 'approver' | 'requester' | 'second'): Promise<HttpResponse>;
  close(stack: TestStack, ticket: string): Promise<HttpResponse>;
  comments(stack: TestStack, ticket: string): string[];
}

const JIRA_FIELDS = { profile: 'customfield_10100', duration: 'customfield_10101', start: 'customfield_10103', end: 'customfield_10104' };

function jiraDriver(name: string, serviceDesk: boolean): SourceDriver {
  let next = 0;
  const people = { approver: bob, requester: alice, second: carol };
  return {
    name,
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
    const start = async () => {
      stack = await new TestStack().start({ catalog: driver.catalog });
      driver.prepare(stack);
    };
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
