import * as z from 'zod';
import { parseDuration } from '../../domain/duration.js';
import { linearRegExp } from '../../domain/linear-regex.js';

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
export function onCallStatusClashes(jira: { approvedStatuses: string[]; closedStatuses: string[]; onCallStatuses: string[]; breakGlassStatuses: string[] } | undefined): string[] {
  if (jira === undefined) return [];
  const taken = [...jira.approvedStatuses, ...jira.closedStatuses];
  const clash = [...jira.onCallStatuses, ...jira.breakGlassStatuses].filter((s) => taken.includes(s)).map((s) => `"${s}" is also an approved or closed status`);
  const both = jira.onCallStatuses.filter((s) => jira.breakGlassStatuses.includes(s)).map((s) => `"${s}" is both an on-call and a break-glass status`);
  return [...clash, ...both];
}

/** Break-glass lasts at most this long, whatever the catalog says: it is for the first minutes of an incident. */
export const BREAK_GLASS_CEILING_SECONDS = 4 * 3600;

/**
 * A profile's `breakGlass`: the requester approves their own request through a dedicated path, with
 * a justification that must match `justification.pattern`, for at most `maxDuration` (at most 4h),
 * at most `perDay` times per UTC day.
 */
export const breakGlassSchema = z.strictObject({
  maxDuration: z
    .string()
    .refine((t) => { const s = parseDuration(t); return s !== undefined && s > 0 && s <= BREAK_GLASS_CEILING_SECONDS; }, { message: 'a duration of at most 4h, e.g. 30m' })
    .transform((t) => parseDuration(t) ?? 0),
  perDay: z.number().int().min(1).max(10).default(1),
  justification: z.strictObject({
    pattern: z.string().min(1).max(500).refine(isLinearRegExp, 'not a regular expression that runs in linear time'),
    hint: z.string().max(200).optional(),
  }),
});

/** Whether a pattern compiles with the linear-time engine (no backreferences or lookarounds). */
export function isLinearRegExp(text: string): boolean {
  try {
    linearRegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** `jira.review`: review tasks of on-call and break-glass leases, as Jira issues of this project and type. */
export const jiraReviewSchema = z.strictObject({
  project: z.string().regex(/^[A-Z][A-Z0-9_]{0,49}$/, 'not a Jira project key'),
  issueType: z.string().min(1).max(200),
  linkType: z.string().min(1).max(200).optional(),
});
