import type { ServiceNowCatalog } from '../../domain/catalog.js';
import type { TicketState } from '../../domain/ticket.js';

/*
 * What a change request's state means for access: the one place that says it for ServiceNow.
 * The catalog's `servicenow.approvedStates` and `closedStates` (defaults in domain/catalog.ts:
 * Scheduled -2 and Implement -1; Closed 3 and Canceled 4) name the states.
 */

/** The states of the default change model, as people read them. */
const STATE_LABELS: Readonly<Record<string, string>> = {
  '-5': 'New',
  '-4': 'Assess',
  '-3': 'Authorize',
  '-2': 'Scheduled',
  '-1': 'Implement',
  '0': 'Review',
  '3': 'Closed',
  '4': 'Canceled',
};

/** A state as a person reads it ("Canceled"), or its number when the model has its own states. */
export function stateLabel(state: string): string {
  return STATE_LABELS[state] ?? `state ${state}`;
}

/**
 * `closed` (access ends: a closed state such as Canceled, or a rejected approval), `approved` (an
 * approved change in a state in which access may be granted), or `open` (anything else).
 */
export function serviceNowTicketState(state: string, approval: string, mapping: Pick<ServiceNowCatalog, 'approvedStates' | 'closedStates'>): TicketState {
  if (approval === 'rejected' || mapping.closedStates.includes(state)) return 'closed';
  if (approval === 'approved' && mapping.approvedStates.includes(state)) return 'approved';
  return 'open';
}
