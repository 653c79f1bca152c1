import * as z from 'zod';

/** A PagerDuty object id, e.g. PABC123. */
const pagerDutyId = z.string().regex(/^[A-Z0-9]{2,20}$/, 'not a PagerDuty id (e.g. PABC123)');

/**
 * A profile's `onCall`: an open ticket is approved when PagerDuty shows the requester on call now
 * in one of these escalation policies or schedules (and, with `incidentServices`, while an incident
 * is open on one of those services). At least one policy or schedule.
 */
export const onCallSchema = z
  .strictObject({
    escalationPolicies: z.array(pagerDutyId).min(1).optional(),
    schedules: z.array(pagerDutyId).min(1).optional(),
    incidentServices: z.array(pagerDutyId).min(1).optional(),
  })
  .refine((o) => o.escalationPolicies !== undefined || o.schedules !== undefined, { message: 'name at least one of escalationPolicies or schedules' });

/** A Jira status that asks for on-call approval must be neither approved nor closed: one meaning per status. */
export function onCallStatusClashes(jira: { approvedStatuses: string[]; closedStatuses: string[]; onCallStatuses: string[] } | undefined): string[] {
  if (jira === undefined) return [];
  const taken = [...jira.approvedStatuses, ...jira.closedStatuses];
  return jira.onCallStatuses.filter((s) => taken.includes(s)).map((s) => `"${s}" is also an approved or closed status`);
}
