import * as z from 'zod';
import type { Approval, Person } from '../../domain/ticket.js';
import { isMoveItem, isTypeChange, projectAfter, projectOfKey } from './jira-moves.js';

/** A Jira user as the REST API returns it (Cloud: accountId; Server/DC: name/key). */
export const jiraUserSchema = z.looseObject({
  accountId: z.string().optional(),
  name: z.string().optional(),
  key: z.string().optional(),
  emailAddress: z.string().optional(),
  displayName: z.string().optional(),
  /** Cloud: `atlassian` (a person), `app` (Automation for Jira, Connect/Forge apps), `customer` (JSM portal-only). */
  accountType: z.string().optional(),
  active: z.boolean().optional(),
});

const changelogItem = z.looseObject({
  field: z.string(),
  fieldId: z.string().optional(),
  fieldtype: z.string().optional(),
  from: z.string().nullable().optional(),
  fromString: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  toString: z.string().nullable().optional(),
});

/** Ids and times order the edits against the approval: a history without them orders nothing (NaN compares false). */
const history = z.looseObject({
  id: z.string().regex(/^\d+$/),
  created: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date'),
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
    project: z.looseObject({ key: z.string() }).optional(),
    issuetype: z.looseObject({ name: z.string() }).optional(),
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
export type JiraHistory = z.infer<typeof history>;

/** `GET /rest/api/2/issue/{key}/changelog` (Jira Cloud), one page. */
export const changelogPageSchema = z.looseObject({
  startAt: z.number(),
  maxResults: z.number(),
  total: z.number(),
  isLast: z.boolean().optional(),
  values: z.array(history),
});

/**
 * A person's account, as the API shows it. `activeHuman` is true only for an active account of a
 * person: Cloud says so with `accountType: atlassian`; Server/DC has no account types, so there
 * every active account counts as a person (documented as weaker).
 */
export function toPerson(value: unknown): Person | undefined {
  const user = jiraUserSchema.safeParse(value);
  if (!user.success) return undefined;
  const id = user.data.accountId ?? user.data.name ?? user.data.key;
  if (id === undefined || id === '') return undefined;
  const { accountType, active } = user.data;
  const activeHuman = active === undefined ? undefined : active && (accountType === undefined || accountType === 'atlassian');
  return { id, email: user.data.emailAddress || undefined, displayName: user.data.displayName, ...(activeHuman === undefined ? {} : { activeHuman }) };
}

/** Histories in the order they happened: Jira's history ids grow, `created` breaks no ties. */
function chronological(histories: readonly JiraHistory[]): JiraHistory[] {
  return [...histories].sort((a, b) => Number(a.id) - Number(b.id) || Date.parse(a.created) - Date.parse(b.created));
}

/**
 * Where an approval counts: the catalog's `jira.projects`, or `'every project'` when it names none.
 * An approval is given under the workflow of the project the issue is in at that moment; only a
 * watched project's workflow (its conditions, e.g. who may transition) is what the catalog trusts.
 */
export type ApprovalProjects = readonly string[] | 'every project';

/**
 * The approval: the most recent changelog entry that moved the issue into its current status, if it
 * was given in one of `projects`. `notCounted` says why an approval the history shows does not
 * count (given in another project, then moved in). Neither: the history shows none.
 */
export function approvalIn(issue: JiraIssue, histories: readonly JiraHistory[], projects: ApprovalProjects): { approval?: Approval; notCounted?: string } {
  const status = issue.fields.status;
  const ordered = chronological(histories);
  const entries = ordered.filter((h) =>
    h.items.some((i) => isStatusChange(i) && (status.id !== undefined && i.to != null ? i.to === status.id : i.toString === status.name)),
  );
  const latest = entries.at(-1);
  // A *Move issue* that mapped the status into this one ran no transition (none of its conditions
  // applied): the mover is no approver, and the approval fails closed.
  if (latest === undefined || latest.items.some(isMoveItem)) return {};
  const approver = toPerson(latest.author);
  if (approver === undefined) return {};
  const current = currentProject(issue);
  // An issue type change after it (with another workflow, via *Move*) means the approval was given
  // under a workflow other than the one the issue follows now (`jira.issueTypes` trusts only some).
  const retyped = ordered.some((h) => Number(h.id) > Number(latest.id) && h.items.some(isTypeChange));
  if (retyped) return { notCounted: `the issue type changed after it was approved${current === undefined ? '' : `: approve it again in ${current}`}` };
  if (projects !== 'every project') {
    // A move that mapped no status (both workflows share it) leaves the transition made under the
    // other project's workflow as the latest: it counts only if that project is watched.
    const where = projectAfter(ordered, latest.id, current);
    if (where === 'unknown' || where === undefined || !projects.includes(where)) {
      const again = current === undefined ? '' : `: approve it again in ${current}`;
      const notCounted = where === 'unknown' || where === undefined
        ? `the issue was moved after it was approved, and its history does not show which project it was approved in${again}`
        : `approved while in project ${where}, which kube-lease does not watch${again}`;
      return { notCounted };
    }
  }
  return { approval: { id: latest.id, approvers: [approver], at: latest.created, records: [{ id: `jira-history:${latest.id}`, approvers: [approver] }] } };
}

/**
 * The approval, as `approvalIn` finds it. By default it counts only if given in the project the
 * issue is in now (the ticket source passes the catalog's projects).
 */
export function approvalFrom(
  issue: JiraIssue,
  histories: readonly JiraHistory[] = issue.changelog?.histories ?? [],
  projects: ApprovalProjects = [currentProject(issue)].filter((p): p is string => p !== undefined),
): Approval | undefined {
  return approvalIn(issue, histories, projects).approval;
}

/** The key of the project the issue is in now: its `project` field, else its key's prefix. */
function currentProject(issue: JiraIssue): string | undefined {
  return issue.fields.project?.key ?? projectOfKey(issue.key);
}

/**
 * Whether a changelog item is a change of the issue's status: by the field's id and type, never its
 * display name (a custom field can be named "status"; its items say `fieldtype: custom` and
 * `fieldId: customfield_…`). An item without a field id (old Server/DC histories) is no status change.
 */
export function isStatusChange(item: z.infer<typeof changelogItem>): boolean {
  return item.fieldId === 'status' && item.fieldtype === 'jira';
}

/**
 * The request fields (by the catalog's names) that the changelog shows edited after the approval:
 * after the approving history (status approvals, by history id) or after a moment (service desk
 * approvals, by time). Items are matched by `fieldId`; an item without one (old Server/DC
 * histories) by its `field`, which for system fields is the id too.
 */
export function editsAfter(
  histories: readonly JiraHistory[],
  after: { readonly historyId: string } | { readonly time: number },
  fieldIds: Readonly<Partial<Record<string, string>>>,
): string[] | 'unknown' {
  const later = histories.filter((h) => ('historyId' in after ? Number(h.id) > Number(after.historyId) : Date.parse(h.created) > after.time));
  const edited = new Set<string>();
  for (const h of later) {
    for (const item of h.items) {
      // A custom field named only by its display name (old Server/DC changelogs) cannot be told
      // apart from a mapped one: fail closed.
      if (item.fieldId === undefined && item.fieldtype === 'custom') return 'unknown';
      const id = item.fieldId ?? item.field;
      for (const [name, fieldId] of Object.entries(fieldIds)) if (fieldId !== undefined && fieldId === id) edited.add(name);
    }
  }
  return Object.keys(fieldIds).filter((name) => edited.has(name));
}

const jsmDate = z.looseObject({ iso8601: z.string().optional(), epochMillis: z.number().optional() });

/** `GET /rest/servicedeskapi/request/{key}/approval`, reduced to what we read. */
export const serviceDeskApprovalsSchema = z.looseObject({
  /** The list is paged (50 a page by default): `false` when more steps follow. */
  isLastPage: z.boolean().optional(),
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
 * A Jira Service Management request's approval. Every approval step counts: any step still pending
 * → not approved yet (`pending`); any declined → a reason to deny; all approved → the people who
 * approved them, with the moment the first one was decided (edits after it void the approval).
 */
export function serviceDeskApproval(approvals: ServiceDeskApprovals): { approval?: Approval; declined?: string; pending?: string } {
  // A step pending or declined on a page not read would go unseen: part of the list decides nothing.
  if (approvals.isLastPage === false) return { pending: 'the Jira Service Management approvals fill more than one page, and only the first was read' };
  const steps = approvals.values;
  const label = (v: ServiceDeskApprovals['values'][number]) => `"${(v.name ?? v.id).slice(0, 80)}"`;
  const pending = steps.find((v) => v.finalDecision === 'pending');
  if (pending !== undefined) return { pending: `the Jira Service Management approval ${label(pending)} is still pending` };
  const declined = steps.find((v) => v.finalDecision !== 'approved');
  if (declined !== undefined) return { declined: `the Jira Service Management approval ${label(declined)} was ${declined.finalDecision.slice(0, 40)}` };
  if (steps.length === 0) return {};
  const approvers = new Map<string, Person>();
  // Each step is a record of its own: a lease spends the steps it relied on (see unspentApproval).
  const records = steps.map((step) => {
    const people: Person[] = [];
    for (const a of step.approvers) {
      if (a.approverDecision !== 'approved') continue;
      const person = toPerson(a.approver);
      if (person === undefined) continue;
      people.push(person);
      approvers.set(person.id, person);
    }
    return { id: `jsm:${step.id}`, approvers: people };
  });
  if (approvers.size === 0) return {};
  const when = (v: ServiceDeskApprovals['values'][number]) => v.completedDate?.epochMillis ?? (v.completedDate?.iso8601 ? Date.parse(v.completedDate.iso8601) : 0);
  // `at` is the first step's decision: an edit after it was not seen by that step's approvers.
  const first = Math.min(...steps.map(when));
  const ids = steps.map((v) => v.id).sort();
  return { approval: { id: `jsm-${ids.join('-')}`.slice(0, 200), approvers: [...approvers.values()], at: new Date(first).toISOString(), records } };
}
