import type { Lease } from './lease.js';
import { approvalRecords, type Approval, type Person } from './ticket.js';

/** A ticket's approval less what earlier leases used, or why that cannot be told. */
export type UnspentApproval = { readonly kind: 'approval'; readonly approval: Approval } | { readonly kind: 'unknown'; readonly reason: string };

/**
 * The part of a ticket's approval that no earlier lease of the ticket relied on. Every lease
 * records the approval records (ServiceNow approval records, JSM approval steps, Jira changelog
 * entries) its grant and each of its extensions relied on; those never count again, so an
 * approval is spent once: after the one allowed approver approved and a lease used it, another
 * person adding an approval record or approving a later step brings only their own approval.
 *
 * The approval a lease already holds (the same id: a redelivery, the sweep finishing its grant) is
 * returned whole: the idempotency point decides it, as before. A lease that does not say what it
 * used (stored before leases recorded it) leaves which records are new unknown: fail closed.
 */
export function unspentApproval(approval: Approval, leases: readonly Pick<Lease, 'id' | 'approvals' | 'approvalRecords'>[]): UnspentApproval {
  if (leases.some((l) => l.approvals.includes(approval.id))) return { kind: 'approval', approval };
  const legacy = leases.find((l) => l.approvalRecords === undefined);
  if (legacy !== undefined) {
    return {
      kind: 'unknown',
      reason: `lease ${legacy.id} of this ticket does not record which approvals it used (it predates that record), so a new approval cannot be told from one already used; request access on a new ticket`,
    };
  }
  const usedBy = new Map<string, string>();
  for (const lease of leases) for (const record of lease.approvalRecords ?? []) usedBy.set(record, lease.id);
  const records = approvalRecords(approval);
  const fresh = records.filter((r) => !usedBy.has(r.id));
  if (fresh.length === records.length) return { kind: 'approval', approval };
  const spentBy = [...new Set(records.flatMap((r) => usedBy.get(r.id) ?? []))];
  const approvers = new Map<string, Person>();
  for (const record of fresh) for (const person of record.approvers) approvers.set(person.id, person);
  return { kind: 'approval', approval: { ...approval, approvers: [...approvers.values()], records: fresh, spentBy } };
}
