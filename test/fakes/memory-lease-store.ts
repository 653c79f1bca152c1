import type { DeniedApproval, HistoryEntry, Lease, LeaseStatus } from '../../lib/domain/lease.js';
import { canTransition } from '../../lib/domain/lease.js';
import type { TicketRef, TicketSourceName } from '../../lib/domain/ticket.js';
import { LeaseStoreError } from '../../lib/errors.js';
import type { LeaseList } from '../../lib/domain/lease-list.js';
import type { ApprovalClaim, CreateResult, LeaseStore, TransitionPatch, TransitionResult } from '../../lib/ports/lease-store.js';
import { dueAt } from '../../lib/adapters/dynamodb/lease-item.js';

type Item =
  | { readonly record: 'lease'; readonly lease: Lease }
  | { readonly record: 'denial'; readonly denial: DeniedApproval }
  | { readonly record: 'extension'; readonly idempotencyKey: string; readonly leaseId: string };

/**
 * The LeaseStore contract in memory, for millisecond use-case tests: one item per id (a lease, a
 * denial or an extension claim), compare-and-swap transitions on status and version, exact places,
 * delivery claims. `test/integration/lease-store-contract.test.ts` runs the same cases against this
 * and the DynamoDB store, so the two cannot drift apart. `failNext` makes the next call of a method
 * throw (a backend outage).
 */
export class MemoryLeaseStore implements LeaseStore {
  private readonly items = new Map<string, Item>();
  private readonly places = new Map<string, Set<string>>();
  /** Ticket-key records: which ticket id a `<source>#<key>` names (as the DynamoDB store writes them). */
  private readonly ticketKeys = new Map<string, string>();
  private readonly deliveries = new Map<string, { state: 'claimed' | 'done'; claimedAt: number; expiresAt: number }>();
  private readonly failures = new Map<keyof LeaseStore, unknown>();
  /** Every call, by method name, in order. */
  readonly calls: (keyof LeaseStore)[] = [];

  failNext(method: keyof LeaseStore, error: unknown = new LeaseStoreError('DynamoDB unavailable', { retryable: true })): void {
    this.failures.set(method, error);
  }

  /** Every lease held, in creation order (for assertions). */
  all(): Lease[] {
    return [...this.items.values()].flatMap((item) => (item.record === 'lease' ? [item.lease] : []));
  }

  /** Every denial held (for assertions). */
  denials(): DeniedApproval[] {
    return [...this.items.values()].flatMap((item) => (item.record === 'denial' ? [{ ...item.denial }] : []));
  }

  /** Overwrites a lease as given (for the in-memory evidence store, which shares these items). */
  replace(lease: Lease): void {
    this.items.set(lease.id, { record: 'lease', lease: copy(lease) });
  }

  private enter(method: keyof LeaseStore): void {
    this.calls.push(method);
    const failure = this.failures.get(method);
    if (failure !== undefined) {
      this.failures.delete(method);
      throw failure;
    }
  }

  async create(lease: Lease): Promise<CreateResult> {
    this.enter('create');
    const item = this.items.get(lease.id);
    if (lease.ticketId !== undefined) this.ticketKeys.set(`${lease.source}#${lease.ticketKey}`, lease.ticketId);
    if (item === undefined) {
      this.items.set(lease.id, { record: 'lease', lease: copy(lease) });
      return { created: true };
    }
    if (item.record === 'denial') return { created: false, denied: item.denial };
    if (item.record === 'extension') return { created: false, extended: item.leaseId };
    return { created: false, existing: copy(item.lease) };
  }

  async get(id: string): Promise<Lease | undefined> {
    this.enter('get');
    const item = this.items.get(id);
    return item?.record === 'lease' ? copy(item.lease) : undefined;
  }

  async transition(lease: Lease, to: LeaseStatus, entry: HistoryEntry, patch: TransitionPatch = {}): Promise<TransitionResult> {
    this.enter('transition');
    if (!canTransition(lease.status, to)) throw new LeaseStoreError(`lease ${lease.id}: ${lease.status} → ${to} is not an allowed transition`);
    const item = this.items.get(lease.id);
    const current = item?.record === 'lease' ? item.lease : undefined;
    if (current === undefined || current.status !== lease.status || current.version !== lease.version) return { ok: false, current: current && copy(current) };
    const next: Record<string, unknown> = { ...current, status: to, version: current.version + 1, history: [...current.history, entry] };
    const { revokeVerification, ...fields } = patch;
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      if (value === null) delete next[field];
      else next[field] = value;
    }
    // As DynamoDB's SET verification.revoked: beside the stored grant review, never over it.
    if (revokeVerification !== undefined) next.verification = { ...current.verification, revoked: revokeVerification };
    const moved = copy(next as unknown as Lease);
    this.items.set(lease.id, { record: 'lease', lease: moved });
    const keys = [...(patch.ticketKey === undefined ? [] : [patch.ticketKey]), ...(patch.ticketId !== undefined && current.ticketId === undefined ? [current.ticketKey] : [])];
    for (const key of keys) if (moved.ticketId !== undefined) this.ticketKeys.set(`${moved.source}#${key}`, moved.ticketId);
    if (to === 'REVOKED' || to === 'FAILED') this.places.get(placesKey(moved))?.delete(moved.id);
    return { ok: true, lease: copy(moved) };
  }

  /** Every lease here is a Lease object: none is ever unreadable (the DynamoDB store's items can be). */
  async listDue(status: LeaseStatus, before: Date, limit: number): Promise<LeaseList> {
    this.enter('listDue');
    const leases = this.all()
      .filter((l) => l.status === status && dueAt(l) <= before.toISOString())
      .sort((a, b) => dueAt(a).localeCompare(dueAt(b)))
      .slice(0, limit)
      .map(copy);
    return { leases, unreadable: [] };
  }

  /** Break-glass uses by requester and day (see LeaseStore.reserveBreakGlass). */
  readonly breakGlassUses = new Map<string, Set<string>>();

  async reserveBreakGlass(lease: Lease, max: number, day: string): Promise<{ readonly ok: true } | { readonly ok: false; readonly used: number }> {
    this.enter('reserveBreakGlass');
    const key = `${placesKey(lease)}#${day}`;
    const used = this.breakGlassUses.get(key) ?? new Set<string>();
    this.breakGlassUses.set(key, used);
    if (used.has(lease.id) || used.size < max) {
      used.add(lease.id);
      return { ok: true };
    }
    return { ok: false, used: used.size };
  }

  async reservePlace(lease: Lease, max: number): Promise<{ readonly ok: true } | { readonly ok: false; readonly held: number }> {
    this.enter('reservePlace');
    const key = placesKey(lease);
    const held = this.places.get(key) ?? new Set<string>();
    this.places.set(key, held);
    const take = () => {
      if (held.has(lease.id) || held.size < max) {
        held.add(lease.id);
        return true;
      }
      return false;
    };
    if (take()) return { ok: true };
    // Places of ended (or unknown) leases that were not given back are reclaimed first.
    for (const id of [...held]) {
      const item = this.items.get(id);
      if (item?.record !== 'lease' || item.lease.status === 'REVOKED' || item.lease.status === 'FAILED') held.delete(id);
    }
    return take() ? { ok: true } : { ok: false, held: held.size };
  }

  /** As in the ticket index: a lease filed under its ticket's id, or (recorded before ids) under its key. */
  async listForTicketRef(source: TicketSourceName, ticket: TicketRef): Promise<LeaseList> {
    this.enter('listForTicketRef');
    return this.ofTicket(source, (l) => (l.ticketId === undefined ? ticket.keys.includes(l.ticketKey) : l.ticketId === ticket.id));
  }

  async listForTicket(source: TicketSourceName, ticketKey: string): Promise<LeaseList> {
    this.enter('listForTicket');
    const id = this.ticketKeys.get(`${source}#${ticketKey}`);
    return this.ofTicket(source, (l) => (l.ticketId === undefined ? l.ticketKey === ticketKey : l.ticketId === id));
  }

  private ofTicket(source: TicketSourceName, matches: (lease: Lease) => boolean): LeaseList {
    const leases = this.all()
      .filter((l) => l.source === source && matches(l))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(copy);
    return { leases, unreadable: [] };
  }

  async claimApproval(approvalLeaseId: string, idempotencyKey: string, holder: string): Promise<ApprovalClaim> {
    this.enter('claimApproval');
    const item = this.items.get(approvalLeaseId);
    if (item === undefined) {
      this.items.set(approvalLeaseId, { record: 'extension', idempotencyKey, leaseId: holder });
      return { kind: 'claimed' };
    }
    if (item.record === 'denial') return { kind: 'denied', denial: item.denial };
    if (item.record === 'extension') return { kind: 'held', leaseId: item.leaseId };
    return { kind: 'held', leaseId: approvalLeaseId };
  }

  async recordDenial(denial: DeniedApproval): Promise<boolean> {
    this.enter('recordDenial');
    if (this.items.has(denial.leaseId)) return false;
    this.items.set(denial.leaseId, { record: 'denial', denial: { ...denial } });
    return true;
  }

  async denial(leaseId: string): Promise<DeniedApproval | undefined> {
    this.enter('denial');
    const item = this.items.get(leaseId);
    return item?.record === 'denial' ? { ...item.denial } : undefined;
  }

  async claimDelivery(key: string, now: Date, ttlSeconds: number, staleAfterSeconds: number): Promise<boolean> {
    this.enter('claimDelivery');
    const claim = this.deliveries.get(key);
    // As in DynamoDB, an item past its TTL may linger (TTL deletes within days): only staleness frees it.
    if (claim !== undefined && !(claim.state === 'claimed' && claim.claimedAt < now.getTime() - staleAfterSeconds * 1000)) return false;
    this.deliveries.set(key, { state: 'claimed', claimedAt: now.getTime(), expiresAt: now.getTime() + ttlSeconds * 1000 });
    return true;
  }

  async finishDelivery(key: string): Promise<void> {
    this.enter('finishDelivery');
    const claim = this.deliveries.get(key);
    if (claim !== undefined) claim.state = 'done';
  }

  async releaseDelivery(key: string): Promise<void> {
    this.enter('releaseDelivery');
    if (this.deliveries.get(key)?.state === 'claimed') this.deliveries.delete(key);
  }
}

function placesKey(lease: Pick<Lease, 'source' | 'requester'>): string {
  return `${lease.source}#${lease.requester.id}`;
}

/** Records leave the store as copies, as they do over the wire. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
