import { formatDuration } from '../domain/duration.js';
import { approvalKindOf, type Lease } from '../domain/lease.js';
import { personLabel } from '../domain/ticket.js';

/** What is left of a lease's access, for people: `1h 12m`, `starts in 2h`, or `-` once it ended. */
export function timeLeft(lease: Lease, now: Date): string {
  if (lease.status === 'REVOKED' || lease.status === 'FAILED') return '-';
  const toEnd = Math.max(0, Math.round((Date.parse(lease.expiresAt) - now.getTime()) / 1000));
  if (lease.status === 'SCHEDULED') return `starts in ${formatDuration(Math.max(0, Math.round((Date.parse(lease.startsAt) - now.getTime()) / 1000)))}`;
  return toEnd === 0 ? 'due now' : formatDuration(toEnd);
}

/** Leases as an aligned table with a header, one row each. */
export function leaseTable(leases: readonly Lease[], now: Date): string {
  const rows = [['LEASE', 'STATUS', 'TICKET', 'REQUESTER', 'APPROVAL', 'SUBJECT', 'ROLE', 'CLUSTER', 'NAMESPACES', 'EXPIRES', 'LEFT']];
  for (const l of leases) {
    rows.push([l.id, l.status, l.ticketKey, personLabel(l.requester), approvalKindOf(l), `${l.subject.kind}:${l.subject.name}`, `${l.roleRef.kind}/${l.roleRef.name}`, l.cluster, l.namespaces.join(','), l.expiresAt, timeLeft(l, now)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

/** A lease as the CLI's `--json` prints it: the stored record, with its approval kind always named (the store omits `person`). */
export function leaseJson(lease: Lease): Lease {
  return { ...lease, approvalKind: approvalKindOf(lease) };
}

/** A value as the CLI's `--json` prints it: one JSON document, then a newline. */
export function asJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
