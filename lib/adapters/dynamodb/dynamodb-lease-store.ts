import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeniedApproval, HistoryEntry, Lease, LeaseStatus } from '../../domain/lease.js';
import type { TicketRef, TicketSourceName } from '../../domain/ticket.js';
import type { LeaseList, UnreadableLease } from '../../domain/lease-list.js';
import { canTransition } from '../../domain/lease.js';
import { LeaseStoreError } from '../../errors.js';
import type { ApprovalClaim, CreateResult, LeaseStore, TransitionPatch, TransitionResult } from '../../ports/lease-store.js';
import { STATUS_DUE_INDEX } from './lease-table.js';
import { DeliveryClaims } from './delivery-claims.js';
import { RequesterPlaces } from './requester-places.js';
import { storeError } from './store-error.js';
import { denialItemSchema, fromItem, leaseItemSchema, leaseKey, placesKey, toItem } from './lease-item.js';
import { addLeaseItem, refusedPaths } from './read-lease-items.js';
import { transitionUpdate, type TransitionUpdate } from './transition-update.js';
import { QUERY_PAGE_ITEMS, queryItems, TicketIndex, type QueryInput } from './ticket-index.js';

function asDenial(item: Record<string, unknown>): DeniedApproval | undefined {
  const parsed = denialItemSchema.safeParse(item);
  if (!parsed.success) return undefined;
  const { pk: _pk, record: _record, ...denied } = parsed.data;
  return denied;
}

/** Items one Query page asks for (see ticket-index.ts). */
export { QUERY_PAGE_ITEMS } from './ticket-index.js';

/**
 * Leases in one DynamoDB table, one item per lease, every change a single-item conditional
 * write (no transactions: dynalite lacks them and we do not need them).
 */
export class DynamoDbLeaseStore implements LeaseStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly deliveries: DeliveryClaims;
  private readonly places: RequesterPlaces;
  private readonly tickets: TicketIndex;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    /** Whether leases take requester places (a per-requester cap is configured): only then does an end give one back. */
    private readonly placesInUse = true,
    /** Items per Query page (1 to {@link QUERY_PAGE_ITEMS}); smaller only to test paging. */
    private readonly pageItems = QUERY_PAGE_ITEMS,
  ) {
    if (!Number.isInteger(pageItems) || pageItems < 1 || pageItems > QUERY_PAGE_ITEMS) throw new LeaseStoreError(`query page size ${pageItems} is not between 1 and ${QUERY_PAGE_ITEMS}`);
    this.doc = DynamoDBDocumentClient.from(client);
    this.deliveries = new DeliveryClaims(this.doc, tableName);
    this.places = new RequesterPlaces(this.doc, tableName, (id) => this.get(id));
    this.tickets = new TicketIndex(this.doc, tableName);
  }

  async create(lease: Lease): Promise<CreateResult> {
    // Never a lease its own read would refuse (its revoke, the sweep and a close could not act on it):
    // refused before anything is written, so the grant fails before any binding exists.
    const item = toItem(lease);
    const check = leaseItemSchema.safeParse(item);
    if (!check.success) throw new LeaseStoreError(`lease ${lease.id} would not be readable once stored (fields refused: ${refusedPaths(check.error).join(', ')}); nothing was written`, { retryable: false });
    // Beside the lease (no round trip added): which ticket its key names, for the CLI's --ticket.
    const [put] = await Promise.allSettled([
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })),
      this.tickets.note(lease.source, lease.ticketKey, lease.ticketId, lease.createdAt),
    ]);
    // Without the record the lease is still found by its ticket's id (close, extension, sweep); only a
    // lookup by this key misses it, until the record is written again (a repeat of this create, or a
    // transition that sees the key). A failed record never fails the grant.
    if (put.status === 'fulfilled') return { created: true };
    if (!(put.reason instanceof ConditionalCheckFailedException)) throw storeError('PutItem', put.reason);
    const stored = await this.item(leaseKey(lease.id));
    if (stored === undefined) throw new LeaseStoreError(`lease ${lease.id} exists but could not be read`, { retryable: true });
    const denied = asDenial(stored);
    if (denied !== undefined) return { created: false, denied };
    if (stored.record === 'extension') return { created: false, extended: String(stored.leaseId) };
    return { created: false, existing: this.lease(lease.id, stored) };
  }

  async denial(leaseId: string): Promise<DeniedApproval | undefined> {
    const item = await this.item(leaseKey(leaseId));
    return item === undefined ? undefined : asDenial(item);
  }

  async get(id: string): Promise<Lease | undefined> {
    const item = await this.item(leaseKey(id));
    // A denied approval, or one that extended another lease, holds the id its lease would have had: there is no lease.
    if (item === undefined || item.record !== undefined) return undefined;
    return this.lease(id, item);
  }

  private lease(id: string, item: Record<string, unknown>): Lease {
    try {
      return fromItem(item);
    } catch (error) {
      // The fields refused, never their values (a table writer chose them).
      throw new LeaseStoreError(`lease item ${id} does not match the lease schema (fields refused: ${refusedPaths(error).join(', ')})`, { cause: error });
    }
  }

  private async item(pk: string): Promise<Record<string, unknown> | undefined> {
    try {
      const result = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }));
      return result.Item;
    } catch (error) {
      throw storeError('GetItem', error);
    }
  }

  async recordDenial(denial: DeniedApproval): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          // A plain copy: people as a ticket names them may lack fields (an app account has no email).
          Item: JSON.parse(JSON.stringify({ ...denial, pk: leaseKey(denial.leaseId), record: 'denial' })) as Record<string, unknown>,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw storeError('PutItem', error);
    }
  }

  async transition(lease: Lease, to: LeaseStatus, entry: HistoryEntry, patch: TransitionPatch = {}): Promise<TransitionResult> {
    if (!canTransition(lease.status, to)) throw new LeaseStoreError(`lease ${lease.id}: ${lease.status} → ${to} is not an allowed transition`);
    // Never a write its own read would refuse (as create): the lease as this transition leaves it is checked first.
    const check = leaseItemSchema.safeParse(toItem(transitioned(lease, to, entry, patch)));
    if (!check.success) throw new LeaseStoreError(`lease ${lease.id} would not be readable after ${lease.status} → ${to} (fields refused: ${refusedPaths(check.error).join(', ')}); nothing was written`, { retryable: false });
    // The first try writes the verification map as the lease read shows it; if the item says
    // otherwise (a settle added the grant's review meanwhile), the other form, once.
    const attempts = patch.revokeVerification === undefined ? [false] : [lease.verification !== undefined, lease.verification === undefined];
    for (const mapExists of attempts) {
      try {
        return await this.moved(lease, to, entry, patch, transitionUpdate(lease, to, entry, patch, mapExists));
      } catch (error) {
        if (error instanceof LeaseStoreError) throw error;
        if (!(error instanceof ConditionalCheckFailedException)) throw storeError('UpdateItem', error);
      }
      const current = await this.get(lease.id);
      if (current?.status !== lease.status || current.version !== lease.version || (current.verification !== undefined) === mapExists) return { ok: false, current };
    }
    return { ok: false, current: await this.get(lease.id) };
  }

  /** Writes one transition; throws DynamoDB's error (a lost condition among them). */
  private async moved(lease: Lease, to: LeaseStatus, entry: HistoryEntry, patch: TransitionPatch, update: TransitionUpdate): Promise<TransitionResult> {
    const result = await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: { pk: leaseKey(lease.id) }, ...update, ReturnValues: 'ALL_NEW' }));
    if (result.Attributes === undefined) throw new LeaseStoreError(`UpdateItem on lease ${lease.id} returned no item`);
    const moved = fromItem(result.Attributes);
    // The keys that name this ticket now: the one seen, and the one a lease recorded before ids was filed under.
    const keys = [...(patch.ticketKey === undefined ? [] : [patch.ticketKey]), ...(patch.ticketId !== undefined && lease.ticketId === undefined ? [lease.ticketKey] : [])];
    await Promise.all(keys.map((key) => this.tickets.note(moved.source, key, moved.ticketId, entry.at).catch(() => undefined)));
    // An ended lease gives back its requester's place; if this fails, the next reservation reclaims it.
    if (this.placesInUse && (to === 'REVOKED' || to === 'FAILED')) await this.places.release(placesKey(moved.source, moved.requester), [moved.id]).catch(() => undefined);
    return { ok: true, lease: moved };
  }

  async listDue(status: LeaseStatus, before: Date, limit: number): Promise<LeaseList> {
    return this.query(
      {
        IndexName: STATUS_DUE_INDEX,
        KeyConditionExpression: '#status = :status AND dueAt <= :before',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':before': before.toISOString() },
      },
      limit,
    );
  }

  reservePlace(lease: Lease, max: number): Promise<{ readonly ok: true } | { readonly ok: false; readonly held: number }> {
    return this.places.reserve(lease, max);
  }

  reserveBreakGlass(lease: Lease, max: number, day: string): Promise<{ readonly ok: true } | { readonly ok: false; readonly used: number }> {
    return this.places.reserveBreakGlass(lease, max, day);
  }

  listForTicketRef(source: TicketSourceName, ticket: TicketRef): Promise<LeaseList> {
    return this.tickets.byRef(source, ticket);
  }

  listForTicket(source: TicketSourceName, ticketKey: string): Promise<LeaseList> {
    return this.tickets.byKey(source, ticketKey);
  }

  /** Up to `limit` readable leases; an item the schema refuses is set aside (see read-lease-items.ts), not counted. */
  private async query(input: QueryInput, limit: number): Promise<LeaseList> {
    const list = { leases: [] as Lease[], unreadable: [] as UnreadableLease[] };
    await queryItems(this.doc, this.tableName, input, limit, this.pageItems, (item) => addLeaseItem(list, item));
    return list;
  }

  async claimApproval(approvalLeaseId: string, idempotencyKey: string, holder: string): Promise<ApprovalClaim> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: leaseKey(approvalLeaseId), record: 'extension', idempotencyKey, leaseId: holder },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw storeError('PutItem', error);
    }
    const item = await this.item(leaseKey(approvalLeaseId));
    if (item === undefined) throw new LeaseStoreError(`approval ${idempotencyKey} is claimed but could not be read`, { retryable: true });
    const denial = asDenial(item);
    if (denial !== undefined) return { kind: 'denied', denial };
    if (item.record === 'extension') return { kind: 'held', leaseId: String(item.leaseId) };
    return { kind: 'held', leaseId: approvalLeaseId };
  }

  claimDelivery(key: string, now: Date, ttlSeconds: number, staleAfterSeconds: number): Promise<boolean> {
    return this.deliveries.claim(key, now, ttlSeconds, staleAfterSeconds);
  }

  finishDelivery(key: string, now: Date): Promise<void> {
    return this.deliveries.finish(key, now);
  }

  releaseDelivery(key: string): Promise<void> {
    return this.deliveries.release(key);
  }
}

/** The lease as a transition leaves it (the item's other fields as `lease` read them): `null` in the patch removes a field. */
function transitioned(lease: Lease, to: LeaseStatus, entry: HistoryEntry, patch: TransitionPatch): Lease {
  const { revokeVerification, ...fields } = patch;
  const moved: Record<string, unknown> = { ...lease, status: to, version: lease.version + 1, history: [...lease.history, entry] };
  for (const [field, value] of Object.entries(fields)) if (value === null) delete moved[field];
  else if (value !== undefined) moved[field] = value;
  if (revokeVerification !== undefined) moved.verification = { ...lease.verification, revoked: revokeVerification };
  return moved as unknown as Lease;
}
