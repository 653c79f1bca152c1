import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bob, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
/** The API server's answer while etcd is unavailable: a failure a retry may fix (the grant is deferred). */
const ETCD = { status: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 } };

/*
 * An on-call or break-glass grant interrupted after its lease was recorded (here: the cluster failed
 * longer than the grant's retries, so it stayed PENDING; the crash matrix covers a dead process) is
 * finished by the sweep while the ticket still asks for it, on the decision recorded on the lease.
 */
describe('the sweep finishes an interrupted emergency grant (fake Jira, ServiceNow, PagerDuty, Kubernetes; dynalite)', () => {
  let stack: TestStack;
  let pd: FakePagerDuty;

  beforeEach(async () => {
    pd = new FakePagerDuty('sep-pd-key');
    const url = await pd.start();
    stack = await new TestStack().start({ catalog: REVIEW_CATALOG, env: { PAGERDUTY_API_URL: url, PAGERDUTY_API_KEY: 'sep-pd-key' } });
    stack.jira.extraUsers.push(bob);
    pd.putOnCall(pd.addUser('alice@example.com', 'Alice Engineer'), { id: 'PEP0001', name: 'Payments Ops' });
  });
  afterEach(async () => {
    await stack.stop();
    await pd.stop();
  });

  const reviewIssues = () => [...stack.jira.issues.values()].filter((i) => i.key.startsWith('SEC-'));
  const opened = (leaseId: string) => stack.audit.events.filter((e) => e.kind === 'review' && e.leaseId === leaseId && e.reviewTask?.event === 'opened');

  /** A Jira emergency request whose grant met the cluster failing: left PENDING; returns the lease id. */
  async function interrupted(key: string, profile: string, status: string): Promise<string> {
    stack.jira.createIssue({ key, reporter: alice, summary: 'INC-7: checkout is down since 02:50', fields: { [PROFILE]: profile } });
    stack.kube.failNext({ method: 'POST', pathIncludes: '/namespaces/payments/', times: 20, response: ETCD });
    await stack.deliver(stack.jira.transition(key, status, alice));
    stack.kube.clearFaults();
    const [lease] = (await stack.container.leases.listForTicket('jira', key)).leases;
    if (lease?.status !== 'PENDING') throw new Error(`expected a PENDING lease, got ${lease?.status ?? 'none'}`);
    return lease.id;
  }

  it('on-call: finished within the window it was decided for, without asking PagerDuty again; one review task', async () => {
    const leaseId = await interrupted('INC-1', 'incident-debug', 'Emergency');
    const before = await stack.container.leases.get(leaseId);
    const asked = pd.requests.length;
    // PagerDuty no longer lists her (the shift ended): the decision was made and recorded.
    pd.oncalls.length = 0;
    stack.clock.advance(121_000);
    const summary = await stack.container.sweepLeases();
    const lease = await stack.container.leases.get(leaseId);
    expect(summary).toMatchObject({ finishedPending: 1, rolledBackPending: 0 });
    expect(lease?.status).toBe('ACTIVE');
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toHaveLength(1);
    expect(pd.requests.length).toBe(asked);
    // Never longer than decided: the window and the PagerDuty finding are the recorded ones.
    expect(lease?.expiresAt).toBe(before?.expiresAt);
    expect(lease?.onCall).toEqual(before?.onCall);
    expect(stack.jira.comments('INC-1').some((c) => c.includes('Access granted'))).toBe(true);
    // The review task: opened once, however often the sweep runs afterwards.
    stack.clock.advance(3 * 60_000);
    await stack.container.sweepLeases();
    stack.clock.advance(3 * 60_000);
    await stack.container.sweepLeases();
    expect(reviewIssues()).toHaveLength(1);
    expect(opened(leaseId)).toHaveLength(1);
    expect((await stack.container.leases.get(leaseId))?.review?.key).toBe(reviewIssues()[0]?.key);
    expect(stack.jira.comments('INC-1').filter((c) => c.startsWith('A review task was opened'))).toHaveLength(1);
  });

  it('break-glass: finished on the use it already counted; one review task', async () => {
    const leaseId = await interrupted('INC-2', 'break-glass-debug', 'Break Glass');
    const before = await stack.container.leases.get(leaseId);
    stack.clock.advance(121_000);
    expect(await stack.container.sweepLeases()).toMatchObject({ finishedPending: 1, rolledBackPending: 0 });
    const lease = await stack.container.leases.get(leaseId);
    expect(lease?.status).toBe('ACTIVE');
    expect(lease?.expiresAt).toBe(before?.expiresAt);
    stack.clock.advance(3 * 60_000);
    await stack.container.sweepLeases();
    expect(reviewIssues()).toHaveLength(1);
    expect(opened(leaseId)).toHaveLength(1);
  });

  it.each([
    ['on-call', 'incident-debug', 'Emergency', 'Done'],
    ['on-call', 'incident-debug', 'Emergency', 'In Review'],
    ['break-glass', 'break-glass-debug', 'Break Glass', 'Declined'],
    ['break-glass', 'break-glass-debug', 'Break Glass', 'In Review'],
  ])('%s (%s): rolled back once the ticket left %s (now %s): FAILED, nothing granted, no review task', async (_kind, profile, status, now) => {
    const key = `INC-${profile.length}${now.length}`;
    const leaseId = await interrupted(key, profile, status);
    stack.jira.transition(key, now, bob);
    stack.clock.advance(121_000);
    expect(await stack.container.sweepLeases()).toMatchObject({ finishedPending: 0, rolledBackPending: 1 });
    expect((await stack.container.leases.get(leaseId))?.status).toBe('FAILED');
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toHaveLength(0);
    stack.clock.advance(3 * 60_000);
    await stack.container.sweepLeases();
    expect(reviewIssues()).toHaveLength(0);
  });

  it('ServiceNow emergency change: finished while the change is open, rolled back once it is closed', async () => {
    const requester = stack.servicenow.addUser('alice', 'alice@example.com', 'Alice Engineer');
    stack.servicenow.groups.set(requester.sys_id, ['payments-approvers']);
    const change = stack.servicenow.createChange(requester, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    stack.kube.failNext({ method: 'POST', pathIncludes: '/namespaces/payments/', times: 20, response: ETCD });
    await stack.deliverServiceNow(change);
    stack.kube.clearFaults();
    const [open] = (await stack.container.leases.listForTicket('servicenow', String(change.number))).leases;
    expect(open?.status).toBe('PENDING');
    stack.clock.advance(121_000);
    expect(await stack.container.sweepLeases()).toMatchObject({ finishedPending: 1, rolledBackPending: 0 });
    expect((await stack.container.leases.get(open?.id ?? ''))?.status).toBe('ACTIVE');
    // A second requester's change (perDay is per requester): closed before the sweep.
    const other = stack.servicenow.addUser('dave', 'dave@example.com', 'Dave Engineer');
    const closedChange = stack.servicenow.createChange(other, { u_k8s_profile: 'break-glass-debug', type: 'emergency', justification: 'INC-9: checkout is down since 02:50' });
    stack.kube.failNext({ method: 'POST', pathIncludes: '/namespaces/payments/', times: 20, response: ETCD });
    await stack.deliverServiceNow(closedChange);
    stack.kube.clearFaults();
    const [closed] = (await stack.container.leases.listForTicket('servicenow', String(closedChange.number))).leases;
    expect(closed?.status).toBe('PENDING');
    closedChange.state = '3';
    stack.clock.advance(121_000);
    expect(await stack.container.sweepLeases()).toMatchObject({ finishedPending: 0, rolledBackPending: 1 });
    expect((await stack.container.leases.get(closed?.id ?? ''))?.status).toBe('FAILED');
  });
});
