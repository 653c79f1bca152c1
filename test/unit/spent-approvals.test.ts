import { describe, expect, it } from '@jest/globals';
import { unspentApproval } from '../../lib/domain/spent-approvals.js';
import type { Approval } from '../../lib/domain/ticket.js';

const bob = { id: 'acc-bob', email: 'bob@example.com', activeHuman: true };
const carol = { id: 'acc-carol', email: 'carol@example.com', activeHuman: true };

/** A ServiceNow-like approval: bob's record (used by lease L1) and carol's record added on top. */
const both: Approval = {
  id: 'sn-both',
  approvers: [bob, carol],
  at: '2026-01-01T00:00:00.000Z',
  records: [
    { id: 'sn:r-bob', approvers: [bob] },
    { id: 'sn:r-carol', approvers: [carol] },
  ],
};
const lease = (id: string, approvals: string[], approvalRecords?: string[]) => ({ id, approvals, approvalRecords });

describe('unspentApproval: an approval record counts for one lease only', () => {
  it('leaves out the records an earlier lease of the ticket used, and names that lease', () => {
    expect(unspentApproval(both, [lease('L1', ['sn-bob'], ['sn:r-bob'])])).toEqual({
      kind: 'approval',
      approval: { ...both, approvers: [carol], records: [{ id: 'sn:r-carol', approvers: [carol] }], spentBy: ['L1'] },
    });
  });

  it('counts records an extension used as well as the first grant', () => {
    const result = unspentApproval(both, [lease('L1', ['sn-bob', 'sn-x'], ['sn:r-x', 'sn:r-carol'])]);
    expect(result).toMatchObject({ kind: 'approval', approval: { approvers: [bob], spentBy: ['L1'] } });
  });

  it('leaves nothing when every record was used (an approval record removed later)', () => {
    expect(unspentApproval(both, [lease('L1', ['sn-other'], ['sn:r-bob', 'sn:r-carol'])])).toMatchObject({ kind: 'approval', approval: { approvers: [], records: [], spentBy: ['L1'] } });
  });

  it('returns the whole approval when no lease used any of it, or a lease holds this very approval (a repeat: the idempotency point decides)', () => {
    expect(unspentApproval(both, [])).toEqual({ kind: 'approval', approval: both });
    expect(unspentApproval(both, [lease('L2', ['sn-other'], ['sn:r-dave'])])).toEqual({ kind: 'approval', approval: both });
    expect(unspentApproval(both, [lease('L1', ['sn-both'], ['sn:r-bob', 'sn:r-carol'])])).toEqual({ kind: 'approval', approval: both });
  });

  it('fails closed on a lease stored before leases recorded what they used', () => {
    expect(unspentApproval(both, [lease('L0', ['sn-old'])])).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('lease L0 of this ticket does not record which approvals it used') });
  });
});
