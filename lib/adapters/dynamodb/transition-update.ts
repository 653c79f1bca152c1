import type { HistoryEntry, Lease, LeaseStatus } from '../../domain/lease.js';
import type { TransitionPatch } from '../../ports/lease-store.js';
import { dueAt, leaseTicketRef } from './lease-item.js';

/** The parts of one transition's UpdateItem (the table name and key aside). */
export interface TransitionUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * The conditional write of a transition: status, version and history, the patch's fields, and the
 * status index's `dueAt`. A revoke's review is set as `verification.revoked`, beside the grant's
 * review the item may hold (a grant announcement's settle writes it without a new version, so it
 * may land after the revoke read the lease). DynamoDB can set a map's member only if the map
 * exists, and cannot create the map and set its member in one expression: `mapExists` says which
 * form to write, and the condition fails (as a lost race would) if the item says otherwise.
 */
export function transitionUpdate(lease: Lease, to: LeaseStatus, entry: HistoryEntry, patch: TransitionPatch, mapExists: boolean): TransitionUpdate {
  // An ACTIVE lease whose grant's announcement is owed stays due at its `announceAt` (set with the
  // ACTIVE write, moved by the announcement's own writes, which leave the version alone): a transition
  // not setting it reads it from the item; a remembered close (revokeRequested) keeps it due at once.
  const expiresAt = patch.expiresAt ?? lease.expiresAt;
  const revokeRequested = patch.revokeRequested ?? lease.revokeRequested;
  const keepsOwed = to === 'ACTIVE' && patch.announceAt === undefined && revokeRequested === undefined;
  const announceAt = typeof patch.announceAt === 'string' ? patch.announceAt : undefined;
  const sets = ['#status = :to', '#version = :next', '#history = list_append(#history, :entry)', keepsOwed ? '#dueAt = if_not_exists(#announceAt, :dueAt)' : '#dueAt = :dueAt'];
  const names: Record<string, string> = { '#status': 'status', '#version': 'version', '#history': 'history', '#dueAt': 'dueAt', ...(keepsOwed ? { '#announceAt': 'announceAt' } : {}) };
  const values: Record<string, unknown> = {
    ':to': to,
    ':dueAt': dueAt({ status: to, startsAt: lease.startsAt, createdAt: lease.createdAt, expiresAt, announceAt, revokeRequested, idle: lease.idle }),
    ':from': lease.status,
    ':version': lease.version,
    ':next': lease.version + 1,
    ':entry': [JSON.parse(JSON.stringify(entry)) as unknown],
  };
  const removes: string[] = [];
  if (patch.ticketId !== undefined || patch.ticketKey !== undefined) {
    // The lease moves to its ticket's id partition of the ticket index (a lease recorded before ids is migrated here).
    names['#ticketRef'] = 'ticketRef';
    sets.push('#ticketRef = :ticketRef');
    values[':ticketRef'] = leaseTicketRef({ source: lease.source, ticketId: patch.ticketId ?? lease.ticketId, ticketKey: patch.ticketKey ?? lease.ticketKey });
  }
  const { revokeVerification, ...fields } = patch;
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    if (value === null) {
      removes.push(`#${field}`);
      continue;
    }
    sets.push(`#${field} = :${field}`);
    values[`:${field}`] = value;
  }
  let condition = '#status = :from AND #version = :version';
  if (revokeVerification !== undefined) {
    names['#verification'] = 'verification';
    if (mapExists) {
      names['#revoked'] = 'revoked';
      sets.push('#verification.#revoked = :revokeVerification');
      values[':revokeVerification'] = revokeVerification;
      condition += ' AND attribute_exists(#verification)';
    } else {
      sets.push('#verification = :verification');
      values[':verification'] = { revoked: revokeVerification };
      condition += ' AND attribute_not_exists(#verification)';
    }
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
