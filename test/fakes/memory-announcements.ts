import type { AccessVerification, HistoryEntry, Lease } from '../../lib/domain/lease.js';
import type { GrantNote } from '../../lib/domain/owed-notes.js';
import { LeaseStoreError } from '../../lib/errors.js';
import type { OwedAnnouncements } from '../../lib/ports/owed-announcements.js';
import type { MemoryLeaseStore } from './memory-lease-store.js';

type Method = keyof OwedAnnouncements;

/** The OwedAnnouncements contract in memory, on a MemoryLeaseStore's leases. `failNext` makes the next call of a method throw. */
export class MemoryOwedAnnouncements implements OwedAnnouncements {
  private readonly failures = new Map<Method, unknown>();

  constructor(private readonly leases: MemoryLeaseStore) {}

  failNext(method: Method, error: unknown = new LeaseStoreError('DynamoDB unavailable', { retryable: true })): void {
    this.failures.set(method, error);
  }

  async take(lease: Lease, now: string, until: string): Promise<Lease | undefined> {
    this.enter('take');
    const stored = this.lease(lease.id);
    if (stored?.status !== 'ACTIVE' || stored.grantNote === undefined || stored.announceAt === undefined || stored.announceAt > now || stored.expiresAt !== lease.expiresAt) return undefined;
    const taken: Lease = { ...stored, announceAt: until < stored.expiresAt ? until : stored.expiresAt };
    this.leases.replace(taken);
    return structuredClone(taken);
  }

  async settle(leaseId: string, heldUntil: string, review: AccessVerification, entry: HistoryEntry): Promise<boolean> {
    this.enter('settle');
    const lease = this.lease(leaseId);
    if (lease?.status !== 'ACTIVE' || lease.announceAt !== heldUntil || lease.grantNote === undefined) return false;
    const { announceAt: _announceAt, grantNote: _grantNote, ...rest } = lease;
    this.leases.replace({ ...rest, verification: { ...lease.verification, granted: review }, history: [...lease.history, entry] });
    return true;
  }

  async defer(leaseId: string, heldUntil: string, retryAt: string, note: readonly GrantNote[]): Promise<boolean> {
    this.enter('defer');
    const lease = this.lease(leaseId);
    if (lease?.status !== 'ACTIVE' || lease.announceAt !== heldUntil || lease.grantNote === undefined) return false;
    this.leases.replace({ ...lease, announceAt: retryAt, grantNote: note });
    return true;
  }

  async revokeTold(leaseId: string, heldUntil: string | undefined): Promise<boolean> {
    this.enter('revokeTold');
    const lease = this.lease(leaseId);
    if (lease?.status !== 'REVOKED' || lease.revokeNote === undefined || lease.announceAt !== heldUntil) return false;
    const { announceAt: _announceAt, revokeNote: _revokeNote, ...rest } = lease;
    this.leases.replace(rest);
    return true;
  }

  private enter(method: Method): void {
    const failure = this.failures.get(method);
    if (failure === undefined) return;
    this.failures.delete(method);
    throw failure;
  }

  private lease(leaseId: string): Lease | undefined {
    return this.leases.all().find((l) => l.id === leaseId);
  }
}
