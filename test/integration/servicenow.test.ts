import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { kyvernoTtl, LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { signServiceNowBody } from '../../lib/sources/servicenow/servicenow-webhook.js';
import { snDate, type SnUser } from '../fakes/fake-servicenow.js';
import { bodyOf, SN_WEBHOOK_SECRET, TestStack } from '../support/stack.js';

const HOUR = 3600_000;

describe('ServiceNow change approvals (fake Table API, fake Kubernetes, dynalite)', () => {
  let stack: TestStack;
  let alice: SnUser;
  let bob: SnUser;
  let carol: SnUser;

  beforeEach(async () => {
    stack = await new TestStack().start();
    alice = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    bob = stack.servicenow.addUser('bob', 'bob@example.com', 'Bob Approver');
    carol = stack.servicenow.addUser('carol', 'carol@example.com', 'Carol CAB');
  });
  afterEach(async () => {
    await stack.stop();
  });

  const now = () => stack.clock.now().getTime();
  function change(fields: Record<string, string> = {}) {
    return stack.servicenow.createChange(alice, { u_k8s_profile: 'payments-read', u_k8s_duration: '2h', ...fields });
  }
  async function leaseOf(response: Awaited<ReturnType<TestStack['deliverServiceNow']>>) {
    const body = bodyOf(response);
    const lease = await stack.container.leases.get(String(body.leaseId));
    if (lease === undefined) throw new Error(`no lease in ${JSON.stringify(body)}`);
    return lease;
  }

  it('grants an approved change in Scheduled state and writes a work note', async () => {
    const chg = change({ start_date: snDate(now() - HOUR), end_date: snDate(now() + 8 * HOUR) });
    stack.servicenow.approve(chg, bob);

    const response = await stack.deliverServiceNow(chg);

    expect(bodyOf(response)).toMatchObject({ outcome: 'granted', status: 'ACTIVE' });
    const lease = await leaseOf(response);
    // Filed under the change's sys_id (immutable), shown with its number.
    expect(lease).toMatchObject({ source: 'servicenow', ticketId: chg.sys_id, ticketKey: chg.number, profile: 'payments-read', namespaces: ['payments', 'payments-worker'] });
    expect(lease.requester).toMatchObject({ id: alice.sys_id, email: 'alice@example.com' });
    expect(lease.approvers.map((a) => a.email)).toEqual(['bob@example.com']);
    expect(Date.parse(lease.expiresAt) - Date.parse(lease.startsAt)).toBe(2 * HOUR);
    expect(stack.kube.list(LABEL_LEASE_ID, lease.id)).toHaveLength(2);
    expect(stack.kube.list(LABEL_LEASE_ID, lease.id)[0]?.metadata.annotations?.['kube-lease.io/ticket']).toBe(chg.number);
    expect(stack.servicenow.notes(chg)).toHaveLength(1);
    expect(stack.servicenow.notes(chg)[0]).toContain('Access granted');
    // The work note has the same content as the Jira comment would.
    expect(stack.servicenow.notes(chg)[0]).toContain(`Until: ${lease.expiresAt}`);
    // Decided from the Table API: the change, its requester and its approvals were read.
    const paths = stack.servicenow.requests.map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining([`/api/now/table/change_request/${chg.sys_id}`, `/api/now/table/sys_user/${alice.sys_id}`, '/api/now/table/sysapproval_approver']));
    const read = stack.servicenow.requests.find((r) => r.path === `/api/now/table/change_request/${chg.sys_id}`);
    expect(read?.query.get('sysparm_exclude_reference_link')).toBe('true');
    expect(read?.query.get('sysparm_fields')).toContain('approval');
  });

  it.each([
    ['missing', { signature: null }],
    ['wrong', { signature: signServiceNowBody('1', 'd-1', '{}', SN_WEBHOOK_SECRET) }],
    ['signed with another secret', { signature: 'x' }],
  ])('rejects a %s signature with 401 and reads nothing', async (_label, options) => {
    const chg = change();
    stack.servicenow.approve(chg, bob);
    const response = await stack.deliverServiceNow(chg, options);
    expect(response.statusCode).toBe(401);
    expect(stack.servicenow.requests).toHaveLength(0);
    expect(stack.kube.requests).toHaveLength(0);
    expect(stack.audit.events).toMatchObject([{ kind: 'reject', code: 'bad-signature', source: 'servicenow' }]);
  });

  it.each([
    ['6 minutes old', -360],
    ['6 minutes ahead', 360],
  ])('rejects a correctly signed but %s timestamp as a replay', async (_label, offsetSeconds) => {
    const chg = change();
    stack.servicenow.approve(chg, bob);
    const response = await stack.deliverServiceNow(chg, { timestamp: Math.floor(now() / 1000) + offsetSeconds });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error).toMatch(/replay/);
    expect(stack.servicenow.requests).toHaveLength(0);
  });

  it('accepts a timestamp within 5 minutes', async () => {
    const chg = change();
    stack.servicenow.approve(chg, bob);
    const response = await stack.deliverServiceNow(chg, { timestamp: Math.floor(now() / 1000) - 240 });
    expect(bodyOf(response).outcome).toBe('granted');
  });

  it('rejects a payload that names no change with 400', async () => {
    const chg = change();
    const response = await stack.deliverServiceNow(chg, { raw: JSON.stringify({ sys_id: '../../etc/passwd' }) });
    expect(response.statusCode).toBe(400);
    expect(stack.servicenow.requests).toHaveLength(0);
  });

  it('grants nothing and writes nothing on a change whose approval is still requested, whatever the hint says', async () => {
    const chg = change();
    stack.servicenow.update(chg, { state: '-2' });
    const response = await stack.deliverServiceNow(chg);
    expect(bodyOf(response)).toMatchObject({ outcome: 'ignored' });
    expect(String(bodyOf(response).reason)).toContain('approval requested');
    expect(stack.servicenow.notes(chg)).toEqual([]);
    expect(stack.kube.requests).toHaveLength(0);
  });

  it('grants nothing and writes nothing on an approved change in a state outside the configured ones', async () => {
    const chg = change();
    stack.servicenow.approve(chg, bob, '0');
    const response = await stack.deliverServiceNow(chg);
    expect(bodyOf(response)).toMatchObject({ outcome: 'ignored' });
    expect(String(bodyOf(response).reason)).toContain('Review');
    expect(stack.servicenow.notes(chg)).toEqual([]);
    expect(stack.kube.requests).toHaveLength(0);
  });

  it('denies when the requester is one of the approvers', async () => {
    const chg = change();
    stack.servicenow.approve(chg, bob);
    stack.servicenow.approve(chg, alice);
    const response = await stack.deliverServiceNow(chg);
    expect(bodyOf(response)).toMatchObject({ outcome: 'denied', code: 'self-approval' });
    expect(stack.kube.requests).toHaveLength(0);
  });

  it('denies when the change window is already over', async () => {
    const chg = change({ start_date: snDate(now() - 3 * HOUR), end_date: snDate(now() - HOUR) });
    stack.servicenow.approve(chg, bob);
    const response = await stack.deliverServiceNow(chg);
    expect(bodyOf(response)).toMatchObject({ outcome: 'denied', code: 'window-ended' });
    expect(stack.servicenow.notes(chg)[0]).toContain('change window ended');
  });

  it('denies an unparseable change date with a clear reason', async () => {
    const chg = change({ start_date: '28/11/2026 10:00' });
    stack.servicenow.approve(chg, bob);
    const response = await stack.deliverServiceNow(chg);
    expect(bodyOf(response)).toMatchObject({ outcome: 'denied', code: 'bad-date' });
    expect(String(bodyOf(response).reason)).toContain('"28/11/2026 10:00" is not a date');
  });

  it('ends access with the change window when it is shorter than the requested duration, and says so', async () => {
    const end = now() + 30 * 60_000;
    const chg = change({ start_date: snDate(now() - HOUR), end_date: snDate(end) });
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    expect(lease.expiresAt).toBe(new Date(Math.floor(end / 1000) * 1000).toISOString());
    expect(stack.servicenow.notes(chg)[0]).toContain('ends with the change window');
  });

  it('schedules a future window: nothing in the cluster before the start, granted at the start, revoked at the end', async () => {
    const start = now() + 2 * HOUR;
    const chg = change({ start_date: snDate(start), end_date: snDate(start + 4 * HOUR) });
    stack.servicenow.approve(chg, bob);

    const response = await stack.deliverServiceNow(chg);
    expect(bodyOf(response)).toMatchObject({ outcome: 'scheduled', status: 'SCHEDULED' });
    const lease = await leaseOf(response);
    expect(stack.kube.requests).toHaveLength(0);
    expect(stack.servicenow.notes(chg)[0]).toMatch(/scheduled[\s\S]*From: /);
    expect(stack.putRuleNames()).toEqual([lease.scheduleName, `${lease.scheduleName}-start`]);

    // Before the start, neither the activation nor the sweep grants anything.
    expect((await stack.container.activateLease({ leaseId: lease.id, actor: 'eventbridge' })).kind).toBe('not-due');
    expect((await stack.container.sweepLeases()).activated).toBe(0);
    expect(stack.kube.bindings.size).toBe(0);

    stack.clock.advance(2 * HOUR + 1000);
    const activated = await stack.container.activateLease({ leaseId: lease.id, actor: 'eventbridge' });
    expect(activated.kind).toBe('activated');
    expect(stack.kube.list(LABEL_LEASE_ID, lease.id)).toHaveLength(2);
    expect(stack.servicenow.notes(chg).at(-1)).toContain('Access granted');

    stack.clock.advance(2 * HOUR);
    expect((await stack.container.revokeLease({ leaseId: lease.id, cause: 'expiry', actor: 'eventbridge' })).kind).toBe('revoked');
    expect(stack.kube.bindings.size).toBe(0);
  });

  it('lets the sweep activate a scheduled lease whose start rule never fired', async () => {
    const start = now() + HOUR;
    const chg = change({ start_date: snDate(start), end_date: snDate(start + 4 * HOUR) });
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    stack.clock.advance(HOUR + 1000);
    expect(await stack.container.sweepLeases()).toMatchObject({ activated: 1, revoked: 0 });
    expect((await stack.container.leases.get(lease.id))?.status).toBe('ACTIVE');
  });

  it('revokes early when the change is closed, through the revoke path, with a work note', async () => {
    const chg = change();
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    chg.state = '3';

    const response = await stack.deliverServiceNow(chg);

    expect(bodyOf(response)).toEqual({ outcome: 'closed', revoked: [lease.id] });
    expect(stack.kube.bindings.size).toBe(0);
    const after = await stack.container.leases.get(lease.id);
    expect(after).toMatchObject({ status: 'REVOKED', revokeCause: 'early' });
    expect(stack.servicenow.notes(chg).at(-1)).toMatch(/Access revoked[\s\S]*closed/);
    expect(stack.deletedRuleNames()).toContain(lease.scheduleName);
    // A repeat of the same news changes nothing.
    expect(bodyOf(await stack.deliverServiceNow(chg))).toMatchObject({ outcome: 'ignored' });
  });

  it('revokes early when the approval is rejected', async () => {
    const chg = change();
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    chg.approval = 'rejected';
    expect(bodyOf(await stack.deliverServiceNow(chg))).toEqual({ outcome: 'closed', revoked: [lease.id] });
    expect(stack.kube.bindings.size).toBe(0);
  });

  it('cancels a scheduled lease before it starts when the change is cancelled', async () => {
    const start = now() + 2 * HOUR;
    const chg = change({ start_date: snDate(start), end_date: snDate(start + 4 * HOUR) });
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    chg.state = '4';

    expect(bodyOf(await stack.deliverServiceNow(chg))).toEqual({ outcome: 'closed', revoked: [lease.id] });
    expect((await stack.container.leases.get(lease.id))?.status).toBe('REVOKED');
    expect(stack.deletedRuleNames()).toEqual(expect.arrayContaining([lease.scheduleName, `${lease.scheduleName}-start`]));

    // The start time comes and goes: nothing is granted.
    stack.clock.advance(2 * HOUR + 1000);
    expect((await stack.container.activateLease({ leaseId: lease.id, actor: 'eventbridge' })).kind).toBe('not-scheduled');
    expect(await stack.container.sweepLeases()).toMatchObject({ due: 0 });
    // The revoke only checked that no binding exists (a crashed activation could have left one).
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(stack.kube.bindings.size).toBe(0);
  });

  it('extends the active lease on a new approval, within the max, moving the schedule; never a second binding', async () => {
    const chg = change({ u_k8s_duration: '1h' });
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    stack.clock.advance(30 * 60_000);
    stack.servicenow.reapprove(chg, carol);

    const before = now();
    const response = await stack.deliverServiceNow(chg);
    const after = now();

    const body = bodyOf(response);
    expect(body).toMatchObject({ outcome: 'extended', leaseId: lease.id, previousExpiresAt: lease.expiresAt });
    const extended = await stack.container.leases.get(lease.id);
    // A new hour from the moment of the new approval.
    expect(Date.parse(extended?.expiresAt ?? '')).toBeGreaterThanOrEqual(before + HOUR);
    expect(Date.parse(extended?.expiresAt ?? '')).toBeLessThanOrEqual(after + HOUR);
    expect(extended?.approvals).toHaveLength(2);
    expect(stack.kube.bindings.size).toBe(2);
    expect(stack.kube.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/rolebindings'))).toHaveLength(2);
    expect(stack.kube.list(LABEL_LEASE_ID, lease.id)[0]?.metadata.annotations?.['kube-lease.io/expires-at']).toBe(extended?.expiresAt);
    expect(stack.kube.list(LABEL_LEASE_ID, lease.id)[0]?.metadata.labels?.['cleanup.kyverno.io/ttl']).toBe(kyvernoTtl(extended?.expiresAt ?? ''));
    expect(stack.putRuleNames().filter((n) => n === lease.scheduleName)).toHaveLength(2);
    const note = stack.servicenow.notes(chg).at(-1) ?? '';
    expect(note).toContain(`Previous expiry: ${lease.expiresAt}`);
    expect(note).toContain(`New expiry: ${extended?.expiresAt ?? '?'}`);
    expect(stack.audit.kinds()).toEqual(['grant', 'verify', 'extend']);
  });

  it('extends even when the hint names the wrong change number: leases read early are used only under the key the API gives', async () => {
    const chg = change({ u_k8s_duration: '1h' });
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    stack.clock.advance(30 * 60_000);
    stack.servicenow.reapprove(chg, carol);
    const lying = JSON.stringify({ sys_id: chg.sys_id, number: 'CHG9999999', table: 'change_request', event: 'update' });
    expect(bodyOf(await stack.deliverServiceNow(chg, { raw: lying }))).toMatchObject({ outcome: 'extended', leaseId: lease.id });
    const silent = JSON.stringify({ sys_id: chg.sys_id });
    stack.clock.advance(10 * 60_000);
    stack.servicenow.reapprove(chg, bob);
    expect(bodyOf(await stack.deliverServiceNow(chg, { raw: silent }))).toMatchObject({ outcome: 'extended', leaseId: lease.id });
    expect(stack.kube.bindings.size).toBe(2);
  });

  it('caps an extension at the profile maximum counted from the original start', async () => {
    const chg = change({ u_k8s_duration: '3h' });
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    stack.clock.advance(2 * HOUR);
    stack.servicenow.reapprove(chg, carol);

    const body = bodyOf(await stack.deliverServiceNow(chg));

    expect(body.outcome).toBe('extended');
    expect(body.expiresAt).toBe(new Date(Date.parse(lease.startsAt) + 4 * HOUR).toISOString());
    expect(stack.servicenow.notes(chg).at(-1)).toContain('capped by the profile maximum');

    stack.clock.advance(HOUR);
    stack.servicenow.reapprove(chg, bob);
    const again = bodyOf(await stack.deliverServiceNow(chg));
    expect(again).toMatchObject({ outcome: 'not-extended', leaseId: lease.id });
    expect(stack.servicenow.notes(chg).at(-1)).toContain('Access not extended');
  });

  it('caps an extension at the change end', async () => {
    const end = now() + 90 * 60_000;
    const chg = change({ u_k8s_duration: '1h', start_date: snDate(now() - HOUR), end_date: snDate(end) });
    stack.servicenow.approve(chg, bob);
    const lease = await leaseOf(await stack.deliverServiceNow(chg));
    stack.clock.advance(45 * 60_000);
    stack.servicenow.reapprove(chg, carol);
    const body = bodyOf(await stack.deliverServiceNow(chg));
    expect(body).toMatchObject({ outcome: 'extended', leaseId: lease.id, expiresAt: new Date(Math.floor(end / 1000) * 1000).toISOString() });
  });

  it('turns concurrent duplicate deliveries into one lease, one binding set and one work note', async () => {
    const chg = change();
    stack.servicenow.approve(chg, bob);
    const responses = await Promise.all(Array.from({ length: 10 }, () => stack.deliverServiceNow(chg)));
    expect(responses.map((r) => bodyOf(r).outcome).filter((o) => o === 'granted')).toHaveLength(1);
    expect(stack.kube.bindings.size).toBe(2);
    expect(stack.servicenow.notes(chg)).toHaveLength(1);
    expect(new Set(responses.map((r) => bodyOf(r).leaseId)).size).toBe(1);
  });

  it('extends once under concurrent deliveries of the same new approval', async () => {
    const chg = change({ u_k8s_duration: '1h' });
    stack.servicenow.approve(chg, bob);
    await stack.deliverServiceNow(chg);
    stack.clock.advance(30 * 60_000);
    stack.servicenow.reapprove(chg, carol);
    const responses = await Promise.all(Array.from({ length: 8 }, () => stack.deliverServiceNow(chg)));
    expect(responses.map((r) => bodyOf(r).outcome).filter((o) => o === 'extended')).toHaveLength(1);
    expect(stack.kube.bindings.size).toBe(2);
    expect(stack.audit.kinds().filter((k) => k === 'extend')).toHaveLength(1);
  });

  it('answers 503 with Retry-After when the Table API is rate limited, and 503 on its 500s', async () => {
    const chg = change();
    stack.servicenow.approve(chg, bob);
    stack.servicenow.failNext({ response: { status: 429, headers: { 'retry-after': '12' }, body: { error: { message: 'Rate limit exceeded', detail: null }, status: 'failure' } } });
    const limited = await stack.deliverServiceNow(chg, { deliveryId: 'sn-retry' });
    expect(limited.statusCode).toBe(503);
    expect(limited.headers['retry-after']).toBe('12');
    stack.servicenow.failNext({ times: 3, response: { status: 500, body: { error: { message: 'Internal server error', detail: null }, status: 'failure' } } });
    expect((await stack.deliverServiceNow(chg, { deliveryId: 'sn-retry' })).statusCode).toBe(503);
    expect(bodyOf(await stack.deliverServiceNow(chg, { deliveryId: 'sn-retry' })).outcome).toBe('granted');
  });

  it('treats an unknown change as not found, without a work note', async () => {
    const ghost = { sys_id: 'f'.repeat(32), number: 'CHG0000001' };
    expect(bodyOf(await stack.deliverServiceNow(ghost))).toMatchObject({ outcome: 'denied', code: 'ticket-not-found' });
    expect(stack.servicenow.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });
});
