import { findProfile, type Catalog, type Profile } from './catalog.js';
import { deny, type Decision, type DecisionContext } from './decision.js';
import { linearRegExp, MAX_MATCHED_LENGTH } from './linear-regex.js';
import { breakGlassApprovalId, onCallApprovalId, onCallLabel } from './on-call.js';
import { parseDuration } from './duration.js';
import { planFor } from './plan.js';
import { clipText } from './request.js';
import { matchesPerson, personLabel, type Approval, type Person, type TicketSnapshot } from './ticket.js';

/*
 * The two emergency paths of an open ticket: on-call approval (PagerDuty says the requester is on
 * call) and break-glass (the requester approves their own request through a dedicated path). Both
 * are opt-in per profile and both are decided once per ticket, like a person's approval.
 */

type Fields = { profile: string; requester: string; justification: string };

/**
 * Whether an open ticket asks for on-call approval: it names a profile that accepts one and, in
 * Jira, is in one of `jira.onCallStatuses` (ServiceNow: any state neither approved nor closed). Only such
 * tickets cost PagerDuty reads; every other open ticket stays "not a request".
 */
export function acceptsOnCall(ticket: TicketSnapshot, catalog: Catalog): boolean {
  if (ticket.state !== 'open' || ticket.requestedProfile === undefined) return false;
  // Jira: only in a status that asks for it (jira.onCallStatuses); ServiceNow: any open state.
  if (ticket.source === 'jira' && !(catalog.jira?.onCallStatuses ?? []).includes(ticket.statusText)) return false;
  return findProfile(catalog, ticket.requestedProfile)?.onCall !== undefined;
}

/**
 * Whether an open ticket asks for break-glass: it names a profile with `breakGlass` and is on the
 * dedicated path (Jira: a status of `jira.breakGlassStatuses`; ServiceNow: an emergency change).
 */
export function asksBreakGlass(ticket: TicketSnapshot, catalog: Catalog): boolean {
  if (ticket.state !== 'open' || ticket.requestedProfile === undefined) return false;
  if (findProfile(catalog, ticket.requestedProfile)?.breakGlass === undefined) return false;
  return ticket.source === 'jira' ? (catalog.jira?.breakGlassStatuses ?? []).includes(ticket.statusText) : ticket.emergency === true;
}

/** The request rules both emergency paths share: a requester, allowed; a justification matching `pattern`. */
function requestChecks(ticket: TicketSnapshot, profile: Profile, fields: Fields, rule: Profile['justification']): Decision | Person {
  const requester = ticket.requester;
  if (requester === undefined) return deny('no-requester', `the ticket has no requester in field "${fields.requester}"`);
  if (ticket.justification.trim() === '') return deny('no-justification', `the ticket has no justification in field "${fields.justification}"`);
  if (profile.requesters !== undefined && !profile.requesters.some((entry) => matchesPerson(requester, entry))) {
    return deny('requester-not-allowed', `the requester may not request profile "${profile.name}"`);
  }
  if (rule !== undefined && ticket.justification.length > MAX_MATCHED_LENGTH) {
    return deny('justification-mismatch', `the justification is longer than ${MAX_MATCHED_LENGTH} characters, the most profile "${profile.name}" checks`);
  }
  if (rule !== undefined && !linearRegExp(rule.pattern).test(ticket.justification)) {
    return deny('justification-mismatch', `the justification does not match what profile "${profile.name}" requires${rule.hint ? ` (${rule.hint})` : ''}`);
  }
  return requester;
}

/**
 * Break-glass: the requester's own approval, with a justification matching the profile's
 * break-glass pattern, for at most its break-glass maximum. The per-day limit is the grant use
 * case's (it needs the store); extensions need a person's approval.
 */
export function decideBreakGlass(ticket: TicketSnapshot, catalog: Catalog, now: Date, fields: Fields): Decision {
  const profile = findProfile(catalog, ticket.requestedProfile ?? '');
  const glass = profile?.breakGlass;
  if (profile === undefined || glass === undefined) return deny('unknown-profile', `access profile "${clipText(ticket.requestedProfile ?? '')}" does not allow break-glass`);
  const requester = requestChecks(ticket, profile, fields, glass.justification);
  if ('kind' in requester) return requester;
  const approval: Approval = {
    id: breakGlassApprovalId(ticket.id),
    kind: 'break-glass',
    at: now.toISOString(),
    approvers: [{ id: `break-glass:${requester.id}`, displayName: `${personLabel(requester)} (break-glass, self-approved)` }],
  };
  // Asked for longer than break-glass allows: the break-glass maximum, not a denial (at 3 AM, a
  // denial would need a new ticket).
  const asked = ticket.requestedDuration === undefined ? undefined : parseDuration(ticket.requestedDuration);
  const clipped = asked !== undefined && asked > glass.maxDuration;
  const short: Profile = { ...profile, defaultDuration: clipped ? glass.maxDuration : Math.min(profile.defaultDuration, glass.maxDuration), maxDuration: glass.maxDuration };
  return planFor(clipped ? { ...ticket, requestedDuration: undefined } : ticket, catalog, now, short, requester, approval);
}

/**
 * An open ticket of a profile that accepts on-call approval: approved when PagerDuty shows the
 * requester on call (`context.onCall`, read by the grant use case). The same request rules as a
 * person's approval apply: who may request, the justification, the profile's limits.
 */
export function decideOnCall(ticket: TicketSnapshot, catalog: Catalog, now: Date, context: DecisionContext, fields: Fields): Decision {
  const profile = findProfile(catalog, ticket.requestedProfile ?? '');
  if (profile?.onCall === undefined) return deny('unknown-profile', `access profile "${clipText(ticket.requestedProfile ?? '')}" does not accept on-call approval`);
  const requester = requestChecks(ticket, profile, fields, profile.justification);
  if ('kind' in requester) return requester;
  const found = context.onCall;
  // The use case always asks PagerDuty first; no answer is never an approval.
  if (found === undefined) return deny('not-on-call', 'whether the requester is on call was not checked');
  if (found.kind === 'not-on-call') return deny('not-on-call', found.reason);
  const proof = found.proof;
  const approval: Approval = {
    id: onCallApprovalId(ticket.id),
    kind: 'on-call',
    onCall: proof,
    at: proof.checkedAt,
    approvers: [{ id: `pagerduty:${proof.via.type}/${proof.via.id}`, displayName: onCallLabel(proof) }],
  };
  return planFor(ticket, catalog, now, profile, requester, approval);
}
