import { afterEach, describe, expect, it } from '@jest/globals';
import { LeaseStoreError } from '../../lib/errors.js';
import type { LeaseStore } from '../../lib/ports/lease-store.js';
import { PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

/**
 * The webhook's answer path over real HTTP (fake Jira, fake Kubernetes, dynalite): the delivery
 * claim goes out beside the ticket read, and the grant is answered before its announcement, which
 * follows in-process here as the activate function does it in AWS.
 */
describe('answering a grant first (fake Jira, fake Kubernetes, dynalite)', () => {
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
        leasesWhenClaimed = (await current().container.leases.listForTicket('jira', 'AF-1')).length;
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
    expect(await stack.container.leases.listForTicket('jira', 'AF-2')).toEqual([]);
    expect(stack.jira.comments('AF-2')).toEqual([]);
    expect(stack.audit.kinds()).toEqual(['failure']);
  });

  it('answers "granted" before the ticket hears of it; the announcement then says what the API server confirmed', async () => {
    // Prepare
    stack = await new TestStack().start();
    stack.ticket('AF-3', { [PROFILE]: 'payments-read' });
    // Act: the bare answer, without waiting for the in-process follow-up.
    const response = await stack.webhook('jira', { answerOnly: true })(stack.jiraRequest(stack.jira.transition('AF-3', 'Approved', bob)));
    const commentsAtAnswer = stack.jira.comments('AF-3').length;
    const leaseAtAnswer = await stack.container.leases.get(String(bodyOf(response).leaseId));
    await stack.container.settled();
    // Assess
    expect(bodyOf(response)).toMatchObject({ outcome: 'granted', status: 'ACTIVE' });
    expect(commentsAtAnswer).toBe(0);
    expect(leaseAtAnswer?.grantNote).toBe('');
    const comments = stack.jira.comments('AF-3');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('Verified: the API server confirms that User alice@example.com can get pods in payments');
    expect(stack.audit.kinds()).toEqual(['grant', 'verify']);
  });

  it('writes ACTIVE while the rule\'s target is attached (rules backend): the target call no longer waits its turn', async () => {
    // Prepare: PutTargets takes 300 ms; note the lease's status when it is answered.
    stack = await new TestStack().start();
    const current = stack;
    let statusAtTargets: string | undefined;
    current.eventBridge.on(PutTargetsCommand).callsFake(async (input: { Rule?: string }) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [lease] = await current.container.leases.listForTicket('jira', 'AF-4');
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
    // In the announcement, or in a comment of its own if the announcement had started already.
    expect(stack.jira.comments('AF-5').join('\n')).toContain('the revoke timer could not be set; the periodic sweep will end this access on time.');
    stack.clock.advance(3600_000 + 1000);
    expect(await stack.container.sweepLeases()).toMatchObject({ revoked: 1 });
    expect(stack.kube.list(LABEL_LEASE_ID, leaseId)).toEqual([]);
  });
});
