import { OPEN_STATUSES, type Lease } from '../domain/lease.js';
import { ticketRefOf, type TicketSnapshot } from '../domain/ticket.js';
import { describeError, KubeLeaseError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { CloseMarks } from '../ports/close-marks.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { TicketSources } from '../ports/ticket-source.js';
import type { UnreadableLease } from '../domain/lease-list.js';
import { unreadableOnCloseMessage } from '../domain/messages.js';
import { commentSafely } from './lease-deps.js';
import { logUnreadable } from './unreadable-leases.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';

/** When the sweep lists a closed ticket's leases again (the ticket index, eventually consistent, has caught up by then). */
export const CLOSE_RECHECK_SECONDS = 60;

/** `unreadable`: lease items of the ticket that could not be read (not revoked; the ticket was told). */
export type CloseOutcome = { readonly kind: 'closed'; readonly revoked: readonly string[]; readonly unreadable?: number } | { readonly kind: 'ignored'; readonly reason: string };

/**
 * Early revoke: the ITSM API says the ticket is closed, cancelled or its approval was rejected, so
 * every open lease of it (scheduled, being granted or active) ends now, through the revoke path.
 * A revoke that cannot finish now (the cluster or the store is unavailable) is remembered on its
 * lease before the close is answered (a ServiceNow business rule never retries): the sweep's next
 * run finishes it. The close still fails (503), so a sender that retries may finish it sooner.
 * First of all the close is remembered by the ticket's id (`closeMarks`): a grant creating its
 * lease meanwhile (which this close cannot list) reads the mark before it makes the lease ACTIVE,
 * and the sweep lists the ticket's leases again once the mark is due.
 */
export function makeCloseTicket(deps: {
  readonly leases: LeaseStore;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where a close that met unreadable lease items of its ticket says so (absent: logged and audited only). */
  readonly tickets?: TicketSources | undefined;
  readonly audit?: AuditLog | undefined;
  /** Absent: a close is not remembered (a grant finishing meanwhile keeps its lease until expiry). */
  readonly closeMarks?: Pick<CloseMarks, 'mark'> | undefined;
}): (ticket: TicketSnapshot, actor: string) => Promise<CloseOutcome> {
  const now = () => deps.clock.now();

  /** Marks the lease as owing its revoke; a mark that cannot be written is logged (the 503 stands). */
  async function remember(lease: Lease, actor: string, error: unknown): Promise<void> {
    const current = await deps.leases.get(lease.id).catch(() => undefined);
    // A SCHEDULED lease is checked against its ticket when its window opens: a closed ticket ends it then.
    if (current === undefined || (current.status !== 'ACTIVE' && current.status !== 'PENDING') || current.revokeRequested !== undefined) return;
    const at = now().toISOString();
    const reason = error instanceof KubeLeaseError && error.retryable ? 'a backend was unavailable' : 'the revoke failed';
    const marked = await deps.leases
      .transition(current, current.status, { at, from: current.status, to: current.status, by: actor, note: `revoke requested (early): ${reason}; the sweep finishes it` }, { revokeRequested: { at, cause: 'early', by: actor, reason } })
      .catch((markError: unknown) => {
        deps.logger.error('a close could not revoke and could not be remembered; the sweep ends the lease at its expiry', { leaseId: lease.id, error: describeError(markError) });
        return undefined;
      });
    if (marked?.ok === false && marked.current !== undefined && (marked.current.status === 'ACTIVE' || marked.current.status === 'PENDING')) {
      // Changed meanwhile (an announcement, an extension): try once more on the fresh record.
      await remember(marked.current, actor, error);
    }
  }

  return async function closeTicket(ticket: TicketSnapshot, actor: string): Promise<CloseOutcome> {
    // The mark first, then the list: a grant whose lease this list cannot see reads the mark after its create.
    // A mark that cannot be written does not stop the revokes; the close fails after them (503).
    let failure: unknown;
    const closedAt = now();
    const ref = ticketRefOf(ticket);
    try {
      await deps.closeMarks?.mark({ source: ticket.source, ticketId: ref.id, ticketKeys: ref.keys, closedAt: closedAt.toISOString(), by: actor }, new Date(closedAt.getTime() + CLOSE_RECHECK_SECONDS * 1000));
    } catch (error) {
      deps.logger.error('a close could not be remembered; its leases are revoked now', { source: ticket.source, ticket: ticket.key, error: describeError(error) });
      failure = error;
    }
    // By the ticket's immutable id (a moved Jira issue keeps it), and by every key it is known to have
    // had for leases recorded before kube-lease filed them by id.
    const listed = await deps.leases.listForTicketRef(ticket.source, ref);
    const open = listed.leases.filter((l) => OPEN_STATUSES.includes(l.status));
    // An item that cannot be read may be open access: the close revokes the rest and never says "no open lease".
    const unreadable = listed.unreadable.length;
    if (open.length === 0 && unreadable === 0 && failure !== undefined) throw failure;
    if (open.length === 0 && unreadable === 0) return { kind: 'ignored', reason: `ticket is ${ticket.statusText} and has no open lease` };
    const revoked: string[] = [];
    for (const lease of open) {
      try {
        // The revoke files the lease under the id and shows the key the ticket has now.
        const outcome = await deps.revokeLease({ leaseId: lease.id, cause: 'early', actor, ticket });
        if (outcome.kind === 'revoked') revoked.push(lease.id);
      } catch (error) {
        failure ??= error;
        await remember(lease, actor, error);
      }
    }
    // Said after the revokes, so that it is the ticket's last word on this close.
    if (unreadable > 0) await tellUnreadable(ticket, actor, listed.unreadable);
    if (failure !== undefined) throw failure;
    return { kind: 'closed', revoked, ...(unreadable > 0 ? { unreadable } : {}) };
  };

  /** Logs, audits and tells the ticket that lease items of it could not be read, so this close did not end them. */
  async function tellUnreadable(ticket: TicketSnapshot, actor: string, unreadable: readonly UnreadableLease[]): Promise<void> {
    logUnreadable(deps.logger, `closing ticket ${ticket.key}`, unreadable);
    const reason = `${unreadable.length} lease item(s) of the ticket could not be read: the close did not revoke them`;
    deps.audit?.record({ kind: 'failure', at: now().toISOString(), actor, source: ticket.source, ticket: ticket.key, code: 'unreadable-lease-item', reason });
    if (deps.tickets !== undefined) await commentSafely({ tickets: deps.tickets, logger: deps.logger }, ticket.source, ticket.key, unreadableOnCloseMessage(unreadable.length, ticket.key));
  }
}
