import { describe, expect, it } from '@jest/globals';
import { serviceDeskApproval, serviceDeskApprovalsSchema } from '../../lib/sources/jira/jira-issue.js';

/*
 * Review of issue 23 item 1 (JSM steps): `GET /rest/servicedeskapi/request/{key}/approval` is paged
 * (PagedDTOApprovalDTO: start, limit 50 by default, isLastPage). kube-lease reads the first page
 * only: a step still pending, or declined, on a later page is never seen, and the steps it did see
 * decide. An approval read from part of the list is no approval. Regression test since the fix.
 */
const step = (id: number, decision: string) => ({
  id: String(id),
  name: `Step ${id}`,
  finalDecision: decision,
  approvers: [{ approver: { accountId: `acc-${id}`, displayName: `Approver ${id}`, accountType: 'atlassian', active: true }, approverDecision: decision }],
  completedDate: { epochMillis: 1_767_225_600_000 + id },
});

describe('review: Jira Service Management approvals on more than one page', () => {
  it('decides nothing from the first page when Jira says it is not the last', () => {
    const page = serviceDeskApprovalsSchema.parse({ size: 50, start: 0, limit: 50, isLastPage: false, values: Array.from({ length: 50 }, (_, i) => step(i + 1, 'approved')) });
    expect(serviceDeskApproval(page).approval).toBeUndefined();
  });

  it('still decides from a whole list', () => {
    const page = serviceDeskApprovalsSchema.parse({ size: 1, start: 0, limit: 50, isLastPage: true, values: [step(1, 'approved')] });
    expect(serviceDeskApproval(page).approval?.approvers.map((a) => a.id)).toEqual(['acc-1']);
  });
});
