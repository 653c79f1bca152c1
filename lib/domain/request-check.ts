import { findProfile, isForbiddenRole, type Catalog, type Profile } from './catalog.js';
import type { DenialCode } from './decision.js';
import { linearRegExp, MAX_MATCHED_LENGTH } from './linear-regex.js';
import { decide, fieldNames, notARequest } from './policy.js';
import { chooseDuration, chooseNamespaces, clipText, renderSubject } from './request.js';
import type { Subject } from './lease.js';
import { matchesPerson, samePerson, type LinkedTicket, type Person, type TicketSourceName } from './ticket.js';

/** What a requester is about to file, before there is a ticket. */
export interface AccessRequestDraft {
  readonly source: TicketSourceName;
  readonly profile: string;
  readonly namespaces?: readonly string[] | undefined;
  /** As typed (`2h`, `90m`, `PT2H`); absent: the profile default. */
  readonly duration?: string | undefined;
  readonly justification: string;
  /** The requester as the ticket system knows them (their own account). */
  readonly requester: Person;
  /** Jira: the project and issue type the ticket will be filed in. */
  readonly project?: string | undefined;
  readonly issueType?: string | undefined;
  /** The ticket named with `--link`, with its state now; undefined when none was named. */
  readonly linked?: LinkedTicket | undefined;
}

/** One thing wrong with a draft, with the denial code the grant would give for it. */
export interface RequestProblem {
  readonly code: DenialCode | 'not-a-request';
  readonly message: string;
}

/** What a draft that passes would get, once approved now. */
export interface RequestPreview {
  readonly profile: Profile;
  readonly namespaces: readonly string[];
  readonly durationSeconds: number;
  readonly subject: Subject;
}

/** Denial codes about the approval: a ticket not yet filed cannot have one, so the pre-check leaves them to the approver. */
const APPROVAL_CODES: ReadonlySet<DenialCode> = new Set<DenialCode>([
  'not-approved',
  'approval-declined',
  'no-approval',
  'self-approval',
  'approver-not-person',
  'approval-unverifiable',
  'changed-after-approval',
  'approver-not-allowed',
  'approver-not-in-group',
  'too-many-leases',
]);

/** An approver the profile accepts, standing in for the one who will approve; not the requester. */
function standInApprover(profile: Profile | undefined, requester: Person): Person {
  const entry = profile?.approvers?.find((e) => !matchesPerson(requester, e));
  const person: Person = { id: entry ?? 'kube-lease:pre-check-approver', email: entry?.includes('@') ? entry : undefined, activeHuman: true };
  return samePerson(person, requester) ? { id: 'kube-lease:pre-check-approver', activeHuman: true } : person;
}

/**
 * Checks a request before it is filed, with the rules the grant applies when the ticket is
 * approved: every problem the requester can fix (profile, namespaces, duration, justification
 * pattern, linked ticket, project), each with the code the grant would deny with. Then the grant's
 * own decision runs on the ticket as it would be once approved by someone the profile accepts; any
 * denial it gives that is not about the approval is added, so the pre-check never passes a request
 * the grant would refuse for its content.
 */
export function checkAccessRequest(catalog: Catalog, draft: AccessRequestDraft, now: Date): { readonly problems: RequestProblem[]; readonly preview?: RequestPreview } {
  const problems: RequestProblem[] = [];
  const add = (code: RequestProblem['code'], message: string) => {
    if (!problems.some((p) => p.code === code)) problems.push({ code, message });
  };
  if (fieldNames(catalog, draft.source) === undefined) {
    add('source-not-configured', `the access catalog has no ${draft.source} section: requests go through ${catalog.jira !== undefined ? 'jira' : 'servicenow'}`);
    return { problems };
  }
  const profile = findProfile(catalog, draft.profile);
  if (profile === undefined) {
    add('unknown-profile', `profile "${clipText(draft.profile)}" is not in the access catalog (known: ${catalog.profiles.map((p) => p.name).join(', ')}); see \`kube-lease profiles\``);
  }
  const justification = draft.justification.trim();
  if (justification === '') add('no-justification', 'a reason is required (--reason "…"): it goes on the ticket for the approver');
  if (profile !== undefined) {
    if (profile.requesters !== undefined && !profile.requesters.some((entry) => matchesPerson(draft.requester, entry))) {
      add('requester-not-allowed', `you (${draft.requester.email ?? draft.requester.id}) may not request profile "${profile.name}"`);
    }
    const rule = profile.justification;
    if (rule !== undefined && justification !== '') {
      if (justification.length > MAX_MATCHED_LENGTH) add('justification-mismatch', `the reason is longer than ${MAX_MATCHED_LENGTH} characters, the most profile "${profile.name}" checks`);
      else if (!linearRegExp(rule.pattern).test(justification)) add('justification-mismatch', `the reason does not match what profile "${profile.name}" requires${rule.hint ? ` (${rule.hint})` : ''}; pattern: ${rule.pattern}`);
    }
    const namespaces = chooseNamespaces(profile, draft.namespaces);
    if ('kind' in namespaces && namespaces.kind === 'deny') add(namespaces.code, namespaces.reason);
    const duration = chooseDuration(profile, draft.duration);
    if (typeof duration !== 'number' && duration.kind === 'deny') add(duration.code, duration.reason);
    const link = profile.linkedTicket;
    if (link !== undefined) {
      const allowed = draft.source === 'jira' ? link.jiraStatuses : link.serviceNowStates;
      if (allowed === undefined) add('no-linked-ticket', `profile "${profile.name}" needs a linked ticket but names no ${draft.source} states for it: it cannot be requested through ${draft.source}`);
      else if (draft.linked === undefined) add('no-linked-ticket', `profile "${profile.name}" needs a linked ticket in state ${allowed.join(' or ')}: name it with --link`);
      else if (!allowed.includes(draft.linked.status)) add('no-linked-ticket', `the linked ticket ${draft.linked.key} is in state ${draft.linked.status}; profile "${profile.name}" needs one in state ${allowed.join(' or ')}`);
    }
    if (isForbiddenRole(catalog, profile.roleRef.name)) add('forbidden-role', `role "${profile.roleRef.name}" may never be bound`);
    if (renderSubject(profile.subject ?? catalog.subject, draft.requester) === undefined) {
      add('no-subject', 'your ticket-system account shows no identity the catalog\'s subject template can use (is your email visible?)');
    }
  }
  const approver = standInApprover(profile, draft.requester);
  const ticket = {
    source: draft.source,
    id: 'pre-check',
    key: 'PRE-CHECK',
    url: '',
    state: 'approved' as const,
    statusText: 'approved',
    justification,
    requester: draft.requester,
    approval: { id: 'pre-check', approvers: [approver], at: now.toISOString() },
    approvalIntegrity: { kind: 'intact' as const },
    requestedProfile: draft.profile,
    requestedDuration: draft.duration,
    requestedNamespaces: draft.namespaces,
    project: draft.project,
    issueType: draft.issueType,
  };
  const scope = notARequest(ticket, catalog);
  if (scope !== undefined) add('not-a-request', `kube-lease would ignore this ticket: ${scope}`);
  const context = {
    approverGroups: new Map([[approver.id, profile?.approverGroups ?? []]]),
    linkedTickets: draft.linked === undefined ? [] : [draft.linked],
  };
  const decision = decide(ticket, catalog, now, context);
  if (decision.kind === 'deny' && !APPROVAL_CODES.has(decision.code)) add(decision.code, decision.reason);
  if (problems.length > 0 || profile === undefined) return { problems };
  const namespaces = chooseNamespaces(profile, draft.namespaces);
  const duration = chooseDuration(profile, draft.duration);
  const subject = renderSubject(profile.subject ?? catalog.subject, draft.requester);
  if ('kind' in namespaces || typeof duration !== 'number' || subject === undefined) return { problems };
  return { problems, preview: { profile, namespaces, durationSeconds: duration, subject } };
}
