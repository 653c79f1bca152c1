import { findProfile, isForbiddenRole, type Catalog, type Profile, type SubjectTemplate } from '../catalog.js';
import { formatDuration, parseDuration } from './duration.js';
import type { RoleRef, Subject } from './lease.js';
import { matchesPerson, samePerson, type Approval, type Person, type TicketSnapshot } from './ticket.js';

export type DenialCode =
  | 'not-approved'
  | 'no-approval'
  | 'no-requester'
  | 'self-approval'
  | 'no-justification'
  | 'no-profile'
  | 'unknown-profile'
  | 'requester-not-allowed'
  | 'approver-not-allowed'
  | 'namespace-not-allowed'
  | 'bad-duration'
  | 'duration-over-max'
  | 'no-subject'
  | 'forbidden-role';

/** Everything needed to create a lease; produced only when every rule passed. */
export interface GrantPlan {
  readonly ticket: TicketSnapshot;
  readonly approval: Approval;
  readonly requester: Person;
  readonly profile: Profile;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly roleRef: RoleRef;
  readonly subject: Subject;
  readonly durationSeconds: number;
}

export type Decision =
  | { readonly kind: 'grant'; readonly plan: GrantPlan }
  | { readonly kind: 'deny'; readonly code: DenialCode; readonly reason: string };

function deny(code: DenialCode, reason: string): Decision {
  return { kind: 'deny', code, reason };
}

/**
 * The whole access policy, as pure code: given what the ITSM API says and the catalog,
 * either a plan for exactly the catalog's role in the allowed namespaces, or a denial with a reason.
 * Rules are checked in a fixed order so the first reason a user sees is the most basic one.
 */
export function decide(ticket: TicketSnapshot, catalog: Catalog): Decision {
  if (!catalog.jira.approvedStatuses.includes(ticket.status)) {
    return deny('not-approved', `ticket status is "${ticket.status}", not one of: ${catalog.jira.approvedStatuses.join(', ')}`);
  }
  const approval = ticket.approval;
  if (approval === undefined) {
    return deny('no-approval', 'the ticket history does not show who approved it');
  }
  const requester = ticket.requester;
  if (requester === undefined) {
    return deny('no-requester', `the ticket has no requester in field "${catalog.jira.fields.requester}"`);
  }
  if (samePerson(requester, approval.approver)) {
    return deny('self-approval', 'the requester approved their own ticket; another person must approve it');
  }
  if (ticket.justification.trim() === '') {
    return deny('no-justification', `the ticket has no justification in field "${catalog.jira.fields.justification}"`);
  }
  const requested = ticket.requestedProfile?.trim();
  if (requested === undefined || requested === '') {
    return deny('no-profile', `the ticket names no access profile in field "${catalog.jira.fields.profile}"`);
  }
  const profile = findProfile(catalog, requested);
  if (profile === undefined) {
    return deny('unknown-profile', `access profile "${clipText(requested)}" is not in the access catalog`);
  }
  if (profile.requesters !== undefined && !profile.requesters.some((entry) => matchesPerson(requester, entry))) {
    return deny('requester-not-allowed', `the requester may not request profile "${profile.name}"`);
  }
  if (profile.approvers !== undefined && !profile.approvers.some((entry) => matchesPerson(approval.approver, entry))) {
    return deny('approver-not-allowed', `the approver may not approve profile "${profile.name}"`);
  }
  if (isForbiddenRole(catalog, profile.roleRef.name)) {
    return deny('forbidden-role', `role "${profile.roleRef.name}" may never be bound`);
  }
  const namespaces = chooseNamespaces(profile, ticket.requestedNamespaces);
  if ('kind' in namespaces) return namespaces;
  const duration = chooseDuration(profile, ticket.requestedDuration);
  if (typeof duration !== 'number') return duration;
  const subject = renderSubject(profile.subject ?? catalog.subject, requester);
  if (subject === undefined) {
    return deny('no-subject', 'the requester has no identity the subject template can use (is their email visible to the integration user?)');
  }
  return {
    kind: 'grant',
    plan: {
      ticket,
      approval,
      requester,
      profile,
      cluster: profile.cluster,
      namespaces,
      roleRef: profile.roleRef,
      subject,
      durationSeconds: duration,
    },
  };
}

function chooseNamespaces(profile: Profile, requested: readonly string[] | undefined): readonly string[] | Decision {
  const wanted = (requested ?? []).map((n) => n.trim()).filter((n) => n !== '');
  if (wanted.length === 0) return profile.namespaces;
  const outside = wanted.filter((n) => !profile.namespaces.includes(n));
  if (outside.length > 0) {
    return deny(
      'namespace-not-allowed',
      `namespace(s) ${outside.map((n) => `"${clipText(n)}"`).join(', ')} are not in profile "${profile.name}" (allowed: ${profile.namespaces.join(', ')})`,
    );
  }
  return [...new Set(wanted)].sort();
}

function chooseDuration(profile: Profile, requested: string | undefined): number | Decision {
  if (requested === undefined || requested.trim() === '') return profile.defaultDuration;
  const seconds = parseDuration(requested);
  if (seconds === undefined || seconds <= 0) {
    return deny('bad-duration', `"${clipText(requested)}" is not a duration (use e.g. 90m, 2h or PT2H)`);
  }
  if (seconds > profile.maxDuration) {
    return deny(
      'duration-over-max',
      `requested duration ${formatDuration(seconds)} exceeds the maximum of ${formatDuration(profile.maxDuration)} for profile "${profile.name}"`,
    );
  }
  return seconds;
}

/** Renders the catalog's subject template; undefined when a placeholder has no value. */
export function renderSubject(template: SubjectTemplate, person: Person): Subject | undefined {
  const values: Record<string, string | undefined> = {
    email: person.email?.toLowerCase(),
    accountId: person.id,
    emailLocalPart: person.email?.split('@')[0]?.toLowerCase(),
  };
  let missing = false;
  const name = template.name.replace(/\{([^}]+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  // eslint-disable-next-line no-control-regex
  if (missing || name.length === 0 || name.length > 253 || /[\u0000-\u001f\u007f]/.test(name)) return undefined;
  return { kind: template.kind, name };
}

/** Ticket text repeated in a reason is clipped so a hostile field cannot flood comments or logs. */
function clipText(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
