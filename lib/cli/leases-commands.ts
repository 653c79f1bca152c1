import { parseArgs } from 'node:util';
import { LATEST_STORED_TIME } from '../domain/ticket-date.js';
import { approvalKindOf, LEASE_STATUSES, OPEN_STATUSES, type Lease, type LeaseStatus } from '../domain/lease.js';
import { isLeaseId } from '../domain/names.js';
import { unreadableText } from '../domain/activity-unreadable.js';
import { joinLeaseLists, unreadableLeasesLine, type LeaseList } from '../domain/lease-list.js';
import { onCallLabel } from '../domain/on-call.js';
import { isTicketSource, personLabel, TICKET_SOURCES, type TicketSourceName } from '../domain/ticket.js';
import { UsageError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { RevokeLeaseInput, RevokeOutcome } from '../use-cases/revoke-lease.js';
import { asJson, leaseJson, leaseTable } from './output.js';

type Out = (text: string) => void;
interface StoreView {
  readonly leases: LeaseStore;
  readonly clock: Clock;
}

/**
 * What an empty listing can truly say: the lease table's index held none. An item a table writer
 * took out of the index (its status removed) is not in it; the cluster's bindings are not read here.
 */
export const NO_LEASES = "no leases in the lease table's index (the cluster's bindings are not read)";

/** Reads the status index to its end: no silent cap (the index query pages through everything). */
const EVERYTHING = Number.POSITIVE_INFINITY;
/** The latest time a lease record holds: every lease is due at or before it. */
const FAR_FUTURE = new Date(LATEST_STORED_TIME);

function when(text: string | undefined, option: string): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new UsageError(`${option} takes a date or an RFC 3339 time, e.g. 2026-11-01 or 2026-11-01T09:00:00Z`);
  return at;
}

function statuses(values: { status?: string | undefined; all?: boolean | undefined }): readonly LeaseStatus[] {
  if (values.all === true) return LEASE_STATUSES;
  if (values.status === undefined) return OPEN_STATUSES;
  const wanted = values.status.split(',').map((s) => s.trim().toUpperCase());
  const unknown = wanted.filter((s) => !(LEASE_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`--status takes ${LEASE_STATUSES.join(', ')} (comma-separated), not ${unknown.join(', ')}`);
  return wanted as LeaseStatus[];
}

/**
 * `leases list`: open leases by default; by status, period, user or ticket; a table or `--json`.
 * Lease items that cannot be read are named on stderr and make it exit 1: the list is incomplete.
 */
export async function leasesList(args: readonly string[], store: StoreView, out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      user: { type: 'string' },
      ticket: { type: 'string' },
      source: { type: 'string' },
      status: { type: 'string' },
      all: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const source = values.source ?? 'jira';
  if (!isTicketSource(source)) throw new UsageError(`--source is ${TICKET_SOURCES.join(' or ')}`);
  if (values.all === true && values.status !== undefined) throw new UsageError('--all and --status exclude each other');
  const wanted = statuses(values);
  const since = when(values.since, '--since');
  const until = when(values.until, '--until');
  const found =
    values.ticket !== undefined
      ? await ticketLeases(store.leases, source, values.ticket)
      : joinLeaseLists(await Promise.all(wanted.map((status) => store.leases.listDue(status, FAR_FUTURE, EVERYTHING))));
  const user = values.user?.toLowerCase();
  const leases = found.leases
    .filter((l) => wanted.includes(l.status) || (values.ticket !== undefined && values.status === undefined && values.all !== true))
    .filter((l) => user === undefined || l.requester.email?.toLowerCase() === user || l.requester.id === values.user)
    // In the period: the lease's window [start, end] meets [since, until].
    .filter((l) => since === undefined || Date.parse(l.revokedAt ?? l.expiresAt) >= since.getTime())
    .filter((l) => until === undefined || Date.parse(l.startsAt) <= until.getTime())
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (values.json === true) out(asJson(leases.map(leaseJson)));
  else out(leases.length > 0 ? leaseTable(leases, store.clock.now()) : found.unreadable.length > 0 ? 'no lease that could be read\n' : found.leases.length > 0 ? `no lease matches (${found.leases.length} other(s) in the lease table's index)\n` : `${NO_LEASES}\n`);
  // Never "no leases" while an item that may be one could not be read.
  if (found.unreadable.length === 0) return 0;
  err(unreadableLeasesLine(found.unreadable));
  return 1;
}

/**
 * The leases of a ticket as a person names it: its key in any case (the key it has now, or one it
 * had, as far as kube-lease saw the ticket under it), or its immutable id (Jira issue id,
 * ServiceNow sys_id), which finds every lease filed under it whatever key it shows.
 */
async function ticketLeases(leases: LeaseStore, source: TicketSourceName, typed: string): Promise<LeaseList> {
  const text = typed.trim();
  const id = source === 'jira' ? /^[1-9][0-9]{0,18}$/.test(text) : /^[0-9a-f]{32}$/i.test(text);
  const [byKey, byId] = await Promise.all([
    leases.listForTicket(source, text.toUpperCase()),
    id ? leases.listForTicketRef(source, { id: text.toLowerCase(), keys: [] }) : Promise.resolve({ leases: [], unreadable: [] }),
  ]);
  return joinLeaseLists([byKey, byId]);
}

/** `leases show <id>`: one lease with its history. Exit 1 when there is none. */
export async function leasesShow(args: readonly string[], store: StoreView, out: Out, err: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const id = positionals[0];
  if (id === undefined || !isLeaseId(id) || positionals.length > 1) throw new UsageError('leases show takes one lease id (20 hex characters)');
  const lease = await store.leases.get(id);
  if (lease === undefined) {
    if (values.json === true) out(asJson({ error: 'not-found', leaseId: id }));
    err(`no lease ${id}\n`);
    return 1;
  }
  out(values.json === true ? asJson(leaseJson(lease)) : describe(lease));
  return 0;
}

function describe(lease: Lease): string {
  return (
    [
      `lease      ${lease.id} (${lease.status})`,
      `ticket     ${lease.source} ${lease.ticketKey}${lease.ticketId === undefined ? '' : ` (id ${lease.ticketId})`} ${lease.ticketUrl}`,
      `requester  ${personLabel(lease.requester)}; approved (${approvalKindOf(lease)}) by ${lease.approvers.map(personLabel).join(', ')}`,
      ...(lease.onCall === undefined ? [] : [`on-call    ${onCallLabel(lease.onCall)}`]),
      `access     ${lease.roleRef.kind}/${lease.roleRef.name} for ${lease.subject.kind} ${lease.subject.name} in ${lease.cluster}: ${lease.namespaces.join(', ')}`,
      `window     ${lease.startsAt} → ${lease.expiresAt}`,
      `bindings   ${lease.bindings.map((b) => `${b.namespace}/${b.name}`).join(', ')}`,
      ...(lease.grantNote !== undefined && lease.status === 'ACTIVE' ? [`announced  not yet: the ticket has not been told of the grant; the sweep posts the comment from ${lease.announceAt ?? 'its next run'}`] : []),
      ...(lease.sessions === undefined ? [] : [`sessions   ${sessionsText(lease.sessions)}`]),
      ...(lease.evidence === undefined ? [] : [`evidence   ${evidenceText(lease.evidence)}`]),
      'history',
      ...lease.history.map((h) => `  ${h.at}  ${h.from ?? '-'} → ${h.to}  by ${h.by}${h.note ? ` (${h.note})` : ''}`),
    ].join('\n') + '\n'
  );
}

function sessionsText(s: NonNullable<Lease['sessions']>): string {
  if (s.error !== undefined) return `unknown at revoke (${s.error})`;
  const ended = s.pods.filter((p) => p.outcome !== 'kept').length;
  return `${s.seen.length + (s.omitted ?? 0)} stream(s) seen at revoke; pods ended ${ended}, not ended ${s.pods.length - ended}`;
}

function evidenceText(e: NonNullable<Lease['evidence']>): string {
  const posted = e.postedAt === undefined ? 'not posted yet' : `posted ${e.postedAt}`;
  const gaps = unreadableText(e.summary?.unreadable);
  return e.digest === undefined ? `not collected (${e.error ?? 'unknown'}); ${posted}` : `${e.summary?.requests ?? 0} request(s), ${e.digest}${gaps === null ? '' : `; ${gaps}`}; ${posted}`;
}

/** `leases revoke <id> --reason <text>`: revoke now, audited as manual, the ticket told. Exit 1 when nothing was revoked. */
export async function leasesRevoke(
  args: readonly string[],
  revoke: (input: RevokeLeaseInput) => Promise<RevokeOutcome>,
  actor: string,
  out: Out,
  err: Out,
): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: { reason: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const id = positionals[0];
  if (id === undefined || !isLeaseId(id) || positionals.length > 1) throw new UsageError('leases revoke takes one lease id');
  if (values.reason === undefined || values.reason.trim() === '') throw new UsageError('--reason is required: it goes into the audit trail and the lease history');
  if (values.json !== true) err(`revoking ${id} …\n`);
  const outcome = await revoke({ leaseId: id, cause: 'manual', actor: `cli:${actor}`, note: values.reason.trim() });
  const revoked = outcome.kind === 'revoked';
  if (values.json === true) out(asJson({ leaseId: id, outcome: outcome.kind, ...('lease' in outcome ? { status: outcome.lease.status } : {}) }));
  else if (revoked) out(`revoked ${id} (ticket ${outcome.lease.ticketKey}); anything that could not be done is on stderr\n`);
  else err(outcome.kind === 'not-found' ? `no lease ${id}\n` : `lease ${id} is ${outcome.kind === 'not-active' ? outcome.lease.status : outcome.kind}: nothing to revoke\n`);
  return revoked ? 0 : 1;
}
