import { OPEN_STATUSES, type Lease } from '../domain/lease.js';
import { ticketRefOf, type TicketSnapshot } from '../domain/ticket.js';
import { describeError, KubeLeaseError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { RevokeLeaseInput, RevokeOutcome } from './revoke-lease.js';

export type CloseOutcome = { readonly kind: 'closed'; readonly revoked: readonly string[] } | { readonly kind: 'ignored'; readonly reason: string };

/**
 * Early revoke: the ITSM API says the ticket is closed, cancelled or its approval was rejected, so
 * every open lease of it (scheduled, being granted or active) ends now, through the revoke path.
 * A revoke that cannot finish now (the cluster or the store is unavailable) is remembered on its
 * lease before the close is answered (a ServiceNow business rule never retries): the sweep's next
 * run finishes it. The close still fails (503), so a sender that retries may finish it sooner.
 */
export function makeCloseTicket(deps: {
  readonly leases: LeaseStore;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly clock: Clock;
  readonly logger: Logger;
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
    // By the ticket's immutable id (a moved Jira issue keeps it), and by every key it is known to have
    // had for leases recorded before kube-lease filed them by id.
    const open = (await deps.leases.listForTicketRef(ticket.source, ticketRefOf(ticket))).filter((l) => OPEN_STATUSES.includes(l.status));
    if (open.length === 0) return { kind: 'ignored', reason: `ticket is ${ticket.statusText} and has no open lease` };
    const revoked: string[] = [];
    let failure: unknown;
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
    if (failure !== undefined) throw failure;
    return { kind: 'closed', revoked };
  };
}
