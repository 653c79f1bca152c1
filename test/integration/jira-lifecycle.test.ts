import { afterEach, describe, expect, it } from '@jest/globals';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { alice, bob, bodyOf, carol, TestStack } from '../support/stack.js';
import { DEMO_CATALOG, WINDOW_CATALOG } from '../support/demo-catalog.js';

const PROFILE = 'customfield_10100';
const DURATION = 'customfield_10101';
const HOUR = 3600_000;
const SERVICE_DESK_CATALOG = DEMO_CATALOG.replace('  closedStatuses: [Done, Declined]\n', '  closedStatuses: [Done, Declined]\n  approvals: servicedesk\n');

describe('Jira ticket lifecycle: early revoke, extension, service desk approvals, windows', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('revokes early when the ticket moves to a closed status', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-50', { [PROFILE]: 'payments-read' });
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-50', 'Approved', bob)));
    const response = bodyOf(await stack.deliver(stack.jira.transition('OPS-50', 'Done', bob)));
    expect(response).toEqual({ outcome: 'closed', revoked: [granted.leaseId] });
    expect(stack.kube.bindings.size).toBe(0);
    expect(await stack.container.leases.get(String(granted.leaseId))).toMatchObject({ status: 'REVOKED', revokeCause: 'early' });
    expect(stack.jira.comments('OPS-50').at(-1)).toContain('Access revoked');
  });

  it('does not revoke on a payload that claims a close the API does not show', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-51', { [PROFILE]: 'payments-read' });
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-51', 'Approved', bob)));
    const response = bodyOf(await stack.deliver(stack.jira.claimTransition('OPS-51', 'Done', bob)));
    // The API says Approved: the same approval again, nothing new.
    expect(response).toMatchObject({ outcome: 'duplicate', leaseId: granted.leaseId, status: 'ACTIVE' });
    expect(stack.kube.bindings.size).toBe(2);
  });

  it('extends the lease when the ticket is approved again while access is active', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-52', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    const first = bodyOf(await stack.deliver(stack.jira.transition('OPS-52', 'Approved', bob)));
    stack.clock.advance(50 * 60_000);
    stack.jira.transition('OPS-52', 'In Review', alice);
    const second = bodyOf(await stack.deliver(stack.jira.transition('OPS-52', 'Approved', carol)));
    expect(second).toMatchObject({ outcome: 'extended', leaseId: first.leaseId, previousExpiresAt: first.expiresAt });
    expect(stack.kube.bindings.size).toBe(2);
    expect(stack.jira.comments('OPS-52').at(-1)).toMatch(/Access extended[\s\S]*Previous expiry[\s\S]*New expiry/);
    const lease = await stack.container.leases.get(String(first.leaseId));
    expect(lease?.history.map((h) => h.note ?? h.to)).toEqual(expect.arrayContaining([expect.stringMatching(/^extended from /)]));
  });

  it('never lets an approval that extended a lease create a lease of its own later', async () => {
    stack = await new TestStack().start();
    stack.ticket('OPS-53', { [PROFILE]: 'payments-read', [DURATION]: '1h' });
    await stack.deliver(stack.jira.transition('OPS-53', 'Approved', bob));
    stack.jira.transition('OPS-53', 'In Review', alice);
    const payload = stack.jira.transition('OPS-53', 'Approved', carol);
    const extended = bodyOf(await stack.deliver(payload));
    expect(extended.outcome).toBe('extended');
    stack.clock.advance(3 * HOUR);
    await stack.container.sweepLeases();
    expect(stack.kube.bindings.size).toBe(0);

    // The same signed delivery three hours later is a replay: refused before any read.
    expect((await stack.deliver(payload)).statusCode).toBe(401);
    // Another hint for the ticket after the lease ended: the approval is found applied, only a duplicate.
    const again = await stack.container.processTicket({ source: 'jira', ticketKey: 'OPS-53', actor: 'test' });
    expect(again).toMatchObject({ kind: 'duplicate', lease: { id: extended.leaseId, status: 'REVOKED' } });
    expect(stack.kube.bindings.size).toBe(0);
  });

  describe('service desk approvals', () => {
    it('grants only on a JSM approval with final decision approved, with its approvers', async () => {
      stack = await new TestStack().start({ catalog: SERVICE_DESK_CATALOG });
      stack.ticket('SD-1', { [PROFILE]: 'payments-read' });
      stack.jira.serviceDeskDecision('SD-1', 'approved', [carol]);
      const body = bodyOf(await stack.deliver(stack.jira.transition('SD-1', 'Approved', bob)));
      expect(body.outcome).toBe('granted');
      const lease = await stack.container.leases.get(String(body.leaseId));
      expect(lease?.approvers.map((a) => a.email)).toEqual(['carol@example.com']);
      expect(lease?.approvals).toEqual(['jsm-1']);
      expect(stack.jira.requests.some((r) => r.path === '/rest/servicedeskapi/request/SD-1/approval')).toBe(true);
    });

    it('does not take a plain status transition as an approval while the JSM approval is pending: quiet, not approved yet', async () => {
      stack = await new TestStack().start({ catalog: SERVICE_DESK_CATALOG });
      stack.ticket('SD-2', { [PROFILE]: 'payments-read' });
      stack.jira.serviceDeskDecision('SD-2', 'pending', [carol]);
      const body = bodyOf(await stack.deliver(stack.jira.transition('SD-2', 'Approved', bob)));
      expect(body).toMatchObject({ outcome: 'ignored' });
      expect(String(body.reason)).toContain('"Approve access" is still pending');
      expect(stack.jira.comments('SD-2')).toEqual([]);
      expect(stack.kube.requests).toHaveLength(0);
    });

    it('waits while a later approval step is pending, though an earlier one was approved', async () => {
      stack = await new TestStack().start({ catalog: SERVICE_DESK_CATALOG });
      stack.ticket('SD-5', { [PROFILE]: 'payments-read' });
      stack.jira.serviceDeskDecision('SD-5', 'approved', [carol]);
      stack.jira.serviceDeskDecision('SD-5', 'pending', [bob]);
      const body = bodyOf(await stack.deliver(stack.jira.transition('SD-5', 'Approved', bob)));
      expect(body).toMatchObject({ outcome: 'ignored' });
      expect(stack.kube.requests).toHaveLength(0);
      expect(stack.jira.comments('SD-5')).toEqual([]);
    });

    it('denies when the final decision is declined', async () => {
      stack = await new TestStack().start({ catalog: SERVICE_DESK_CATALOG });
      stack.ticket('SD-3', { [PROFILE]: 'payments-read' });
      stack.jira.serviceDeskDecision('SD-3', 'declined', [carol]);
      const body = bodyOf(await stack.deliver(stack.jira.transition('SD-3', 'Approved', bob)));
      expect(body).toMatchObject({ outcome: 'denied', code: 'approval-declined' });
      expect(stack.jira.comments('SD-3')[0]).toContain('was declined');
      expect(stack.kube.requests).toHaveLength(0);
    });

    it('denies when the requester is among the JSM approvers', async () => {
      stack = await new TestStack().start({ catalog: SERVICE_DESK_CATALOG });
      stack.ticket('SD-4', { [PROFILE]: 'payments-read' });
      stack.jira.serviceDeskDecision('SD-4', 'approved', [carol, alice]);
      const body = bodyOf(await stack.deliver(stack.jira.transition('SD-4', 'Approved', bob)));
      expect(body).toMatchObject({ outcome: 'denied', code: 'self-approval' });
    });
  });

  it('schedules a Jira ticket whose start field is in the future, and activates it at the start', async () => {
    stack = await new TestStack().start({ catalog: WINDOW_CATALOG });
    const start = new Date(stack.clock.now().getTime() + HOUR).toISOString().replace('Z', '+0000');
    stack.ticket('OPS-54', { [PROFILE]: 'payments-read', [DURATION]: '1h', customfield_10103: start });
    const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-54', 'Approved', bob)));
    expect(body).toMatchObject({ outcome: 'scheduled', status: 'SCHEDULED' });
    expect(stack.kube.bindings.size).toBe(0);
    expect(stack.jira.comments('OPS-54')[0]).toContain('begins when the change window opens');
    stack.clock.advance(HOUR + 1000);
    expect(await stack.container.sweepLeases()).toMatchObject({ activated: 1 });
    expect(stack.kube.list(LABEL_LEASE_ID, String(body.leaseId))).toHaveLength(2);
  });

  it('never activates a scheduled lease once its window has ended: the late activation ends it instead', async () => {
    stack = await new TestStack().start({ catalog: WINDOW_CATALOG });
    const start = new Date(stack.clock.now().getTime() + HOUR).toISOString();
    stack.ticket('OPS-56', { [PROFILE]: 'payments-read', [DURATION]: '1h', customfield_10103: start });
    const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-56', 'Approved', bob)));
    expect(body).toMatchObject({ outcome: 'scheduled' });
    // Timers and sweep were down for the whole window.
    stack.clock.advance(2 * HOUR + 60_000);
    const summary = await stack.container.sweepLeases();
    expect(summary).toMatchObject({ activated: 0 });
    const lease = await stack.container.leases.get(String(body.leaseId));
    expect(lease).toMatchObject({ status: 'REVOKED', revokeCause: 'expiry' });
    expect(stack.kube.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(stack.audit.kinds()).not.toContain('grant');
    expect(stack.jira.comments('OPS-56').some((c) => c.includes('Access granted'))).toBe(false);
  });

  it('cancels activation when the ticket was closed before the window opened, even if the close was never delivered', async () => {
    stack = await new TestStack().start({ catalog: WINDOW_CATALOG });
    const start = new Date(stack.clock.now().getTime() + HOUR).toISOString();
    stack.ticket('OPS-55', { [PROFILE]: 'payments-read', customfield_10103: start });
    const body = bodyOf(await stack.deliver(stack.jira.transition('OPS-55', 'Approved', bob)));
    stack.jira.transition('OPS-55', 'Done', bob);
    stack.clock.advance(HOUR + 1000);
    const outcome = await stack.container.activateLease({ leaseId: String(body.leaseId), actor: 'eventbridge' });
    expect(outcome.kind).toBe('cancelled');
    expect(stack.kube.bindings.size).toBe(0);
    expect((await stack.container.leases.get(String(body.leaseId)))?.status).toBe('REVOKED');
  });
});
