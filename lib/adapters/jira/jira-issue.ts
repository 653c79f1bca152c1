import * as z from 'zod';
import type { Approval, Person } from '../../domain/ticket.js';

/** A Jira user as the REST API returns it (Cloud: accountId; Server/DC: name/key). */
export const jiraUserSchema = z.looseObject({
  accountId: z.string().optional(),
  name: z.string().optional(),
  key: z.string().optional(),
  emailAddress: z.string().optional(),
  displayName: z.string().optional(),
});

const changelogItem = z.looseObject({
  field: z.string(),
  fieldId: z.string().optional(),
  from: z.string().nullable().optional(),
  fromString: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  toString: z.string().nullable().optional(),
});

const history = z.looseObject({
  id: z.string(),
  created: z.string(),
  author: jiraUserSchema.optional(),
  items: z.array(changelogItem),
});

/** `GET /rest/api/2/issue/{key}?expand=changelog`, reduced to what we read. */
export const jiraIssueSchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  fields: z.looseObject({
    status: z.looseObject({ id: z.string().optional(), name: z.string() }),
    summary: z.string().nullable().optional(),
  }),
  changelog: z
    .looseObject({
      startAt: z.number().optional(),
      maxResults: z.number().optional(),
      total: z.number().optional(),
      histories: z.array(history),
    })
    .optional(),
});
export type JiraIssue = z.infer<typeof jiraIssueSchema>;

export function toPerson(value: unknown): Person | undefined {
  const user = jiraUserSchema.safeParse(value);
  if (!user.success) return undefined;
  const id = user.data.accountId ?? user.data.name ?? user.data.key;
  if (id === undefined || id === '') return undefined;
  return { id, email: user.data.emailAddress || undefined, displayName: user.data.displayName };
}

/**
 * The approval: the most recent changelog entry that moved the issue into its current status.
 * Undefined when the history does not show it (e.g. a truncated changelog): no approver, no grant.
 */
export function approvalFrom(issue: JiraIssue): Approval | undefined {
  const status = issue.fields.status;
  const entries = (issue.changelog?.histories ?? [])
    .map((h) => ({ h, item: h.items.find((i) => i.field === 'status' && (status.id !== undefined && i.to != null ? i.to === status.id : i.toString === status.name)) }))
    .filter((e) => e.item !== undefined)
    .sort((a, b) => Date.parse(a.h.created) - Date.parse(b.h.created) || Number(a.h.id) - Number(b.h.id));
  const latest = entries.at(-1);
  if (latest === undefined) return undefined;
  const approver = toPerson(latest.h.author);
  if (approver === undefined) return undefined;
  return { id: latest.h.id, approvers: [approver], at: latest.h.created };
}

const jsmDate = z.looseObject({ iso8601: z.string().optional(), epochMillis: z.number().optional() });

/** `GET /rest/servicedeskapi/request/{key}/approval`, reduced to what we read. */
export const serviceDeskApprovalsSchema = z.looseObject({
  values: z.array(
    z.looseObject({
      id: z.union([z.string(), z.number()]).transform(String),
      name: z.string().optional(),
      finalDecision: z.string(),
      approvers: z.array(z.looseObject({ approver: jiraUserSchema, approverDecision: z.string() })).default([]),
      createdDate: jsmDate.optional(),
      completedDate: jsmDate.optional(),
    }),
  ),
});
export type ServiceDeskApprovals = z.infer<typeof serviceDeskApprovalsSchema>;

/**
 * A Jira Service Management request's approval: the most recently decided one counts. Approved →
 * the people who approved it; declined → a reason to deny; none decided → no approval.
 */
export function serviceDeskApproval(approvals: ServiceDeskApprovals): { approval?: Approval; declined?: string } {
  const when = (v: ServiceDeskApprovals['values'][number]) => v.completedDate?.epochMillis ?? v.createdDate?.epochMillis ?? 0;
  const decided = approvals.values.filter((v) => v.finalDecision !== 'pending').sort((a, b) => when(a) - when(b));
  const latest = decided.at(-1);
  if (latest === undefined) return {};
  if (latest.finalDecision !== 'approved') {
    return { declined: `the Jira Service Management approval "${(latest.name ?? latest.id).slice(0, 80)}" was ${latest.finalDecision}` };
  }
  const approvers = latest.approvers
    .filter((a) => a.approverDecision === 'approved')
    .map((a) => toPerson(a.approver))
    .filter((p): p is Person => p !== undefined);
  if (approvers.length === 0) return {};
  const at = latest.completedDate?.iso8601 ?? new Date(when(latest)).toISOString();
  return { approval: { id: `jsm-${latest.id}`, approvers, at } };
}

/** A custom field's text: plain strings, numbers, select options (`{ value }`), named objects (`{ name }`). */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'object' && value !== null) {
    const named = z.looseObject({ value: z.string().optional(), name: z.string().optional() }).safeParse(value);
    if (named.success) return named.data.value ?? named.data.name;
  }
  return undefined;
}

/** A single-valued field (profile, duration). A list yields its first element. */
export function fieldText(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? scalarText(value[0]) : undefined;
  return scalarText(value)?.trim() || undefined;
}

/** A list-valued field (namespaces): a multi-select, labels, or text separated by commas or spaces. */
export function fieldList(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  const parts = Array.isArray(value) ? value.map(scalarText) : (scalarText(value) ?? '').split(/[\s,;]+/);
  const list = parts.filter((p): p is string => p !== undefined).map((p) => p.trim()).filter((p) => p !== '');
  return list.length > 0 ? list : undefined;
}
