import { describe, expect, it } from '@jest/globals';
import type { DeniedApproval } from '../../lib/domain/lease.js';
import type { OnCallFinding, OnCallRule } from '../../lib/domain/on-call.js';
import type { OnCallDirectory } from '../../lib/ports/on-call-directory.js';
import { DEMO_CATALOG, withOnCall } from '../support/demo-catalog.js';
import { approval, approvedTicket, requester, useCases } from '../support/use-cases.js';

/** The denials a use-case run recorded, read back from the store. */
function recordedDenials(app: ReturnType<typeof useCases>): () => Promise<(DeniedApproval | undefined)[]> {
  const ids: string[] = [];
  const record = app.leases.recordDenial.bind(app.leases);
  app.leases.recordDenial = (denial: DeniedApproval) => {
    ids.push(denial.leaseId);
    return record(denial);
  };
  return () => Promise.all(ids.map((id) => app.leases.denial(id)));
}

class NotOnCall implements OnCallDirectory {
  findOnCall(_email: string, _rule: OnCallRule): Promise<OnCallFinding> {
    return Promise.resolve({ kind: 'not-on-call', reason: 'PagerDuty shows the requester on call in none of escalation policy PEP0001' });
  }
}

describe('deny: the people of a denial are recorded for the access report', () => {
  it('records the requester, the approvers and the approval kind of a denied person approval', async () => {
    // Prepare
    const app = useCases();
    const denials = recordedDenials(app);
    // Act
    const outcome = await app.grantAccess(approvedTicket('OPS-2', { approval: approval(requester) }), 'test');
    // Assess
    expect(outcome).toMatchObject({ kind: 'denied', code: 'self-approval' });
    expect(await denials()).toEqual([expect.objectContaining({ ticketKey: 'OPS-2', code: 'self-approval', requester, approvers: [requester], approvalKind: 'person' })]);
  });

  it('records an on-call request that was denied: its requester, no approver, kind on-call', async () => {
    // Prepare
    const app = useCases(withOnCall(DEMO_CATALOG), { onCall: new NotOnCall() });
    const denials = recordedDenials(app);
    const ticket = approvedTicket('OPS-3', { state: 'open', statusText: 'Emergency', approval: undefined, approvalIntegrity: undefined, requestedProfile: 'incident-debug', requestedDuration: '30m', justification: 'INC-4711 checkout latency' });
    // Act
    const outcome = await app.grantAccess(ticket, 'test');
    // Assess
    expect(outcome).toMatchObject({ kind: 'denied', code: 'not-on-call' });
    expect(await denials()).toEqual([expect.objectContaining({ ticketKey: 'OPS-3', requester: ticket.requester, approvers: [], approvalKind: 'on-call' })]);
  });
});
