import { afterEach, describe, expect, it } from '@jest/globals';
import { LeaseStoreError } from '../../lib/errors.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import { PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { alice, bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

const JIRA_DOWN = { method: 'POST', pathIncludes: '/comment', times: 50, response: { status: 503, body: { errorMessages: ['Service Unavailable'] } } } as const;

/**
 * The webhook's grant over real HTTP (fake Jira, fake Kubernetes, dynalite): the delivery claim
 * goes out beside the ticket read; the webhook makes the access, records it ACTIVE, reviews it and
 * tells the ticket, all before it answers. What the ticket could not take is owed on the lease item,
 * and the sweep posts it.
 */
describe('a grant in one invocation (fake Jira, fake Kubernetes, dynalite)', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  /** Wraps the lease store's claimDelivery with `around` (through the container's decorate hook). */
  const withClaim = (around: (claim: LeaseStore['claimDelivery']) => LeaseStore['claimDelivery']) =>
    <T extends object>(name: string, port: T): T => {
      if (name !== 'leases' || !('claimDelivery' in port)) return port;
      const store = port as unknown as LeaseStore;
      const claim = around(store.claimDelivery.bind(store));
      return new Proxy(port, { get: (target, property, receiver) => (property === 'claimDelivery' ? claim : Reflect.get(target, property, receiver)) as unknown });
    };

  it('reads the ticket while the delivery claim is in flight, and decides nothing before the claim is made', async () => {
    // Prepare: a claim that takes 300 ms; note what Jira had seen when it resolved.
    let readsWhenClaimed = -1;
    let commentsWhenClaimed = -1;
    let leasesWhenClaimed = -1;
    let bindingsWhenClaimed = -1;
    const current = () => stack as TestStack;
    stack = await new TestStack().start({
      decorate: withClaim((claim) => async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        // (Reads of the ticket; kube-lease's own account, GET /myself, is read once beside the first.)
        readsWhenClaimed = current().jira.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/rest/api/2/issue/')).length;
        commentsWhenClaimed = current().jira.requests.filter((r) => r.method === 'POST').length;
        leasesWhenClaimed = (await current().container.leases.listForTicket('jira', 'AF-1')).leases.length;
        bindingsWhenClaimed = current().kube.bindings.size;
        return claim(...args);
      }),
    });
    stack.ticket('AF-1', { [PROFILE]: 'payments-read' });
    // Act
    const response = await stack.deliver(stack.jira.transition('AF-1', 'Approved', bob));
    // Assess
    expect(bodyOf(response).outcome).toBe('granted');
    expect(readsWhenClaimed).toBe(1);
    expect(commentsWhenClaimed).toBe(0);
    expect(leasesWhenClaimed).toBe(0);
    expect(bindingsWhenClaimed).toBe(0);
    expect(stack.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('answers 503 when the claim cannot be made, decides and records nothing, and gives back no claim it never held', async () => {
    // Prepare
    let releases = 0;
    stack = await new TestStack().start({
      decorate: <T extends object>(name: string, port: T): T => {
        if (name !== 'leases' || !('claimDelivery' in port)) return port;
        const store = port as unknown as LeaseStore;
        const release = store.releaseDelivery.bind(store);
        return new Proxy(port, {
          get: (target, property, receiver) => {
            if (property === 'claimDelivery') return () => Promise.reject(new LeaseStoreError('DynamoDB unavailable', { retryable: true }));
            if (property === 'releaseDelivery') return (key: string) => ((releases += 1), release(key));
            return Reflect.get(target, property, receiver) as unknown;
          },
        });
      },
    });
    stack.ticket('AF-2', { [PROFILE]: 'payments-read' });
    // Act
    const response = await stack.deliver(stack.jira.transition('AF-2', 'Approved', bob));
    // Assess
    expect(response.statusCode).toBe(503);
    expect(releases).toBe(0);
    expect(stack.kube.bindings.size).toBe(0);
    expect((await stack.container.leases.listForTicket('jira', 'AF-2')).leases).toEqual([]);
    expect(stack.jira.comments('AF-2')).toEqual([]);
    expect(stack.audit.kinds()).toEqual(['failure']);
  });

  it('answers "granted" once the ticket is told what the API server confirmed, with nothing left owed', async () => {
    // Prepare
    stack = await new TestStack().start();
    stack.ticket('AF-3', { [PROFILE]: 'payments-read' });
    // Act
    const response = await stack.deliver(stack.jira.transition('AF-3', 'Approved', bob));
    const commentsAtAnswer = stack.jira.comments('AF-3');
    const lease = await stack.container.leases.get(String(bodyOf(response).leaseId));
    // Assess
    expect(bodyOf(response)).toMatchObject({ outcome: 'granted', status: 'ACTIVE' });
    expect(commentsAtAnswer).toHaveLength(1);
    expect(commentsAtAnswer[0]).toContain('Verified: the API server confirms that User alice@example.com can get pods in payments');
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.announceAt).toBeUndefined();
    expect(lease?.verification?.granted?.answers.every((a) => a.allowed)).toBe(true);
    expect(stack.audit.kinds()).toEqual(['grant', 'verify']);
    // Back in the status index at its expiry: no sweep before then has anything to do with it.
    expect(await stack.container.sweepLeases()).toMatchObject({ due: 0, announced: 0 });
  });

  it('keeps the grant when Jira is down at the comment; the sweep posts it once, and two sweeps at once post it once', async () => {
    // Prepare: Jira refuses every comment while the grant is made.
    stack = await new TestStack().start();
    stack.ticket('AF-6', { [PROFILE]: 'payments-read' });
    stack.jira.failNext({ ...JIRA_DOWN });
    // Act
    const response = await stack.deliver(stack.jira.transition('AF-6', 'Approved', bob));
    const leaseId = String(bodyOf(response).leaseId);
    const owed = await stack.container.leases.get(leaseId);
    stack.jira.clearFaults();
    const sweeps = await Promise.all([stack.container.sweepLeases(), stack.container.sweepLeases()]);
    stack.clock.advance(5 * 60_000);
    const later = await stack.container.sweepLeases();
    // Assess
    expect(bodyOf(response)).toMatchObject({ outcome: 'granted', status: 'ACTIVE' });
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toHaveLength(2);
    expect(owed).toMatchObject({ status: 'ACTIVE', grantNote: [] });
    expect(owed?.announceAt).toBeDefined();
    expect(sweeps.map((s) => s.announced).sort()).toEqual([0, 1]);
    expect(later.announced).toBe(0);
    const comments = stack.jira.comments('AF-6');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('Verified: the API server confirms');
    expect((await stack.container.leases.get(leaseId))?.grantNote).toBeUndefined();
    expect(stack.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('keeps an owed announcement due in the index across an extension, and posts it then', async () => {
    // Prepare: Jira is down at the grant's comment; a second approval extends the lease meanwhile.
    stack = await new TestStack().start();
    stack.ticket('AF-7', { [PROFILE]: 'payments-read', customfield_10101: '1h' });
    stack.jira.failNext({ ...JIRA_DOWN });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('AF-7', 'Approved', bob))).leaseId);
    stack.jira.clearFaults();
    stack.jira.transition('AF-7', 'In Review', alice);
    const extended = bodyOf(await stack.deliver(stack.jira.transition('AF-7', 'Approved', bob)));
    // Act
    const swept = await stack.container.sweepLeases();
    // Assess
    expect(extended.outcome).toBe('extended');
    expect(swept.announced).toBe(1);
    expect(stack.jira.comments('AF-7').filter((c) => c.includes('Access granted'))).toHaveLength(1);
    expect((await stack.container.leases.get(leaseId))?.grantNote).toBeUndefined();
  });

  it('says only the revoke when the ticket closes while the grant\'s announcement is owed', async () => {
    // Prepare: Jira is down at the grant's comment, back for the close.
    stack = await new TestStack().start();
    stack.ticket('AF-8', { [PROFILE]: 'payments-read' });
    stack.jira.failNext({ ...JIRA_DOWN });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('AF-8', 'Approved', bob))).leaseId);
    stack.jira.clearFaults();
    // Act
    const closed = bodyOf(await stack.deliver(stack.jira.transition('AF-8', 'Done', bob)));
    stack.clock.advance(5 * 60_000);
    const swept = await stack.container.sweepLeases();
    // Assess
    expect(closed).toEqual({ outcome: 'closed', revoked: [leaseId] });
    expect(swept.announced).toBe(0);
    expect(stack.jira.comments('AF-8').map((c) => c.split('\n')[0])).toEqual([expect.stringContaining('Access revoked')]);
    const lease = await stack.container.leases.get(leaseId);
    expect(lease?.grantNote).toBeUndefined();
    expect(lease?.announceAt).toBeUndefined();
  });

  it('writes ACTIVE while the rule\'s target is attached (rules backend): the target call no longer waits its turn', async () => {
    // Prepare: PutTargets takes 300 ms; note the lease's status when it is answered.
    stack = await new TestStack().start();
    const current = stack;
    let statusAtTargets: string | undefined;
    current.eventBridge.on(PutTargetsCommand).callsFake(async (input: { Rule?: string }) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [lease] = (await current.container.leases.listForTicket('jira', 'AF-4')).leases;
      statusAtTargets = `${lease?.status ?? 'none'} ${input.Rule === lease?.scheduleName}`;
      return { FailedEntryCount: 0, FailedEntries: [] };
    });
    current.ticket('AF-4', { [PROFILE]: 'payments-read' });
    // Act
    const response = await current.deliver(current.jira.transition('AF-4', 'Approved', bob));
    // Assess
    expect(bodyOf(response).outcome).toBe('granted');
    expect(statusAtTargets).toBe('ACTIVE true');
  });

  it('keeps a grant whose rule target could not be attached after it turned ACTIVE: a failure event, the warning on the ticket, the sweep revokes on time', async () => {
    // Prepare: the rule is created, attaching its target fails for good.
    stack = await new TestStack().start();
    stack.eventBridge.on(PutTargetsCommand).rejects(Object.assign(new Error('User is not authorized to perform: events:PutTargets'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    stack.ticket('AF-5', { [PROFILE]: 'payments-read' });
    // Act
    const response = await stack.deliver(stack.jira.transition('AF-5', 'Approved', bob));
    const leaseId = String(bodyOf(response).leaseId);
    // Assess
    expect(bodyOf(response)).toMatchObject({ outcome: 'granted', status: 'ACTIVE' });
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toHaveLength(2);
    expect(stack.audit.kinds()).toEqual(['grant', 'failure', 'verify']);
    expect(stack.audit.events[1]?.reason).toMatch(/^the revoke timer could not be set; the periodic sweep will end this access on time \(reference [0-9a-f]{12}\)$/);
    // In the grant's own comment (the webhook knows before it comments).
    expect(stack.jira.comments('AF-5')).toHaveLength(1);
    expect(stack.jira.comments('AF-5').join('\n')).toContain('the revoke timer could not be set; the periodic sweep will end this access on time.');
    stack.clock.advance(3600_000 + 1000);
    expect(await stack.container.sweepLeases()).toMatchObject({ revoked: 1 });
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toEqual([]);
  });
});
