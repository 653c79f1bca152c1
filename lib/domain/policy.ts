import { findProfile, type Catalog } from './catalog.js';
import { acceptsOnCall, asksBreakGlass, decideBreakGlass, decideOnCall } from './emergency-policy.js';
import { planFor } from './plan.js';
import { deny, EMPTY_CONTEXT, type Decision, type DecisionContext } from './decision.js';
import { clipText } from './request.js';
import { linearRegExp, MAX_MATCHED_LENGTH } from './linear-regex.js';
import { approvalRecords, matchesPerson, samePerson, type Approval, type TicketSnapshot, type TicketSourceName } from './ticket.js';

export { acceptsOnCall, asksBreakGlass } from './emergency-policy.js';

/**
 * Why a ticket is not an access request at all, or undefined when it is one. Such a ticket gets no
 * decision, no comment and no audit event: outside the catalog's Jira projects or issue types, a
 * state that is neither approved nor closed (still in review, pending approval steps, Implement →
 * Review), or no access profile named. Checked before `decide`; a closed ticket never gets here.
 */
export function notARequest(ticket: TicketSnapshot, catalog: Catalog): string | undefined {
  if (ticket.source === 'jira' && catalog.jira !== undefined) {
    const { projects, issueTypes } = catalog.jira;
    if (projects !== undefined && !(ticket.project !== undefined && projects.includes(ticket.project))) {
      return `project ${clipText(ticket.project ?? '(unknown)', 60)} is not in the catalog's jira.projects`;
    }
    if (issueTypes !== undefined && !(ticket.issueType !== undefined && issueTypes.includes(ticket.issueType))) {
      return `issue type ${clipText(ticket.issueType ?? '(unknown)', 60)} is not in the catalog's jira.issueTypes`;
    }
  }
  if (ticket.requestedProfile === undefined || ticket.requestedProfile.trim() === '') return 'the ticket names no access profile';
  if (ticket.state === 'open' && !acceptsOnCall(ticket, catalog) && !asksBreakGlass(ticket, catalog)) return `the ticket is "${clipText(ticket.statusText)}", neither approved nor closed`;
  return undefined;
}


function automationApprovers(catalog: Catalog, source: TicketSourceName): readonly string[] {
  return (source === 'jira' ? catalog.jira?.automationApprovers : catalog.servicenow?.automationApprovers) ?? [];
}

/** The field names of the ticket's source, so reasons can say which field is wrong. */
export function fieldNames(catalog: Catalog, source: TicketSourceName): { profile: string; requester: string; justification: string } | undefined {
  return source === 'jira' ? catalog.jira?.fields : catalog.servicenow?.fields;
}

/**
 * The whole access policy, as pure code: given what the ITSM API says, the catalog and the time,
 * either a plan for exactly the catalog's role in the allowed namespaces for a bounded window, or a
 * denial with a reason. Rules are checked in a fixed order so the first reason is the most basic one.
 */
export function decide(ticket: TicketSnapshot, catalog: Catalog, now: Date, context: DecisionContext = EMPTY_CONTEXT): Decision {
  const fields = fieldNames(catalog, ticket.source);
  if (fields === undefined) return deny('source-not-configured', `the access catalog has no ${ticket.source} section`);
  if (asksBreakGlass(ticket, catalog)) return decideBreakGlass(ticket, catalog, now, fields);
  if (acceptsOnCall(ticket, catalog)) return decideOnCall(ticket, catalog, now, context, fields);
  if (ticket.state !== 'approved') {
    return deny('not-approved', `the ticket is "${clipText(ticket.statusText)}", which is not an approved state`);
  }
  if (ticket.declined !== undefined) return deny('approval-declined', ticket.declined);
  const integrity = ticket.approvalIntegrity;
  if (integrity?.kind === 'unknown') {
    return deny('approval-unverifiable', `what was approved could not be checked against the ticket's history (${clipText(integrity.reason, 160)}); nothing is granted until it can be`);
  }
  const given = ticket.approval;
  if (given?.spentBy !== undefined && approvalRecords(given).length === 0) {
    return deny('approval-spent', `every approval on the ticket was already used, by lease ${given.spentBy.join(', ')}; more access needs a new approval`);
  }
  if (given === undefined || given.approvers.length === 0) {
    return deny('no-approval', ticket.approvalNotCounted === undefined ? 'the ticket does not show who approved it' : clipText(ticket.approvalNotCounted, 300));
  }
  // kube-lease's own account never approves, whatever the catalog says of automation accounts.
  const own = given.approvers.filter((a) => a.integration === true);
  if (own.length > 0) {
    const who = own.map((a) => clipText(a.displayName ?? a.id, 60)).join(', ');
    return deny('approver-is-integration', `the approval came from ${who}, the account kube-lease itself uses, which never counts as an approver; a person must approve`);
  }
  // Approvals an earlier lease used do not count again: say so where it decides.
  const used = given.spentBy === undefined ? '' : ` (the approvals lease ${given.spentBy.join(', ')} already used do not count again)`;
  const requester = ticket.requester;
  if (requester === undefined) {
    return deny('no-requester', `the ticket has no requester in field "${fields.requester}"`);
  }
  if (given.approvers.some((approver) => samePerson(requester, approver))) {
    return deny('self-approval', 'the requester approved their own ticket; another person must approve it');
  }
  // Only people approve: active human accounts, or automation accounts the catalog names one by one.
  const automation = automationApprovers(catalog, ticket.source);
  const people = given.approvers.filter((a) => a.activeHuman === true || automation.includes(a.id));
  if (people.length === 0) {
    const who = given.approvers.map((a) => clipText(a.displayName ?? a.id, 60)).join(', ');
    return deny('approver-not-person', `the approval came from ${who}, which is not an active person's account${used}; a person must approve`);
  }
  const approval: Approval = { ...given, approvers: people };
  if (integrity === undefined) {
    return deny('approval-unverifiable', "what was approved could not be checked against the ticket's history (the ticket source did not report it); nothing is granted until it can be");
  }
  if (integrity.kind === 'edited') {
    return deny('changed-after-approval', `the request changed after it was approved (${integrity.fields.join(', ')}); approve it again`);
  }
  if (ticket.justification.trim() === '') {
    return deny('no-justification', `the ticket has no justification in field "${fields.justification}"`);
  }
  const requested = ticket.requestedProfile?.trim();
  if (requested === undefined || requested === '') {
    return deny('no-profile', `the ticket names no access profile in field "${fields.profile}"`);
  }
  const profile = findProfile(catalog, requested);
  if (profile === undefined) {
    return deny('unknown-profile', `access profile "${clipText(requested)}" is not in the access catalog`);
  }
  if (profile.requesters !== undefined && !profile.requesters.some((entry) => matchesPerson(requester, entry))) {
    return deny('requester-not-allowed', `the requester may not request profile "${profile.name}"`);
  }
  const allowedApprovers = profile.approvers;
  if (allowedApprovers !== undefined && !approval.approvers.some((a) => allowedApprovers.some((entry) => matchesPerson(a, entry)))) {
    return deny(
      'approver-not-allowed',
      used === ''
        ? `no approver of this ticket may approve profile "${profile.name}"`
        : `no new approval comes from someone who may approve profile "${profile.name}"${used}; someone who may approve it must approve again`,
    );
  }
  const rule = profile.justification;
  // Linear-time matching bounds the cost; the length cap bounds it further, and fails closed.
  if (rule !== undefined && ticket.justification.length > MAX_MATCHED_LENGTH) {
    return deny('justification-mismatch', `the justification is longer than ${MAX_MATCHED_LENGTH} characters, the most profile "${profile.name}" checks`);
  }
  if (rule !== undefined && !linearRegExp(rule.pattern).test(ticket.justification)) {
    return deny('justification-mismatch', `the justification does not match what profile "${profile.name}" requires${rule.hint ? ` (${rule.hint})` : ''}`);
  }
  if (profile.approverGroups !== undefined) {
    const groups = context.approverGroups;
    const inGroup = approval.approvers.some((a) => (groups.get(a.id) ?? []).some((g) => profile.approverGroups?.includes(g)));
    if (!inGroup) {
      return deny('approver-not-in-group', `no approver is a member of ${profile.approverGroups.map((g) => `"${g}"`).join(' or ')}, as profile "${profile.name}" requires${used}`);
    }
  }
  const link = profile.linkedTicket;
  if (link !== undefined) {
    const allowed = ticket.source === 'jira' ? link.jiraStatuses : link.serviceNowStates;
    if (allowed === undefined) {
      return deny('no-linked-ticket', `profile "${profile.name}" requires a linked ticket but names no ${ticket.source} states for it`);
    }
    if (!context.linkedTickets.some((t) => allowed.includes(t.status))) {
      const seen = context.linkedTickets.map((t) => `${t.key} (${t.status})`).join(', ') || 'none';
      return deny('no-linked-ticket', `profile "${profile.name}" requires a linked ticket in state ${allowed.join(' or ')}; linked: ${clipText(seen, 200)}`);
    }
  }
  return planFor(ticket, catalog, now, profile, requester, approval);
}



