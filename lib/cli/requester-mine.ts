import { parseArgs } from 'node:util';
import { OPEN_STATUSES, type Lease } from '../domain/lease.js';
import { joinLeaseLists } from '../domain/lease-list.js';
import { scrubSecrets } from '../errors.js';
import type { CliIo } from './cli-context.js';
import { asJson, timeLeft } from './output.js';
import { sourceOf, type RequesterHooks } from './requester-common.js';
import { table } from './requester-profiles.js';
import { requesterCatalog, requesterTickets } from './requester-settings.js';
import { storeFromEnvIfSet } from './requester-store.js';

/** `kube-lease mine`: the requester's open requests (their tickets) and leases (the table, when reachable). */
export async function mine(args: readonly string[], io: CliIo, hooks: RequesterHooks): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { source: { type: 'string' }, catalog: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const { catalog } = requesterCatalog(values.catalog, io.env);
  const source = sourceOf(values.source, catalog);
  const tickets = requesterTickets(source, catalog, io.env);
  const me = await tickets.whoami();
  const requests = await tickets.mine(me);
  const now = (hooks.now ?? (() => new Date()))();
  let leases: Lease[] | undefined;
  let storeNote: string | undefined;
  let unreadable = 0;
  const store = storeFromEnvIfSet(io.env);
  if (store === undefined) storeNote = 'leases: the lease table is not set (LEASES_TABLE with AWS_REGION, or DYNAMODB_ENDPOINT); only tickets shown';
  else {
    try {
      const open = joinLeaseLists(await Promise.all(OPEN_STATUSES.map((s) => store.leases.listDue(s, new Date('9999-12-31T00:00:00Z'), Number.MAX_SAFE_INTEGER))));
      // Whose an unreadable item is cannot be known: it may be one of yours.
      unreadable = open.unreadable.length;
      if (unreadable > 0) storeNote = `leases: ${unreadable} lease item(s) in the table could not be read; one of yours may be among them (an operator can see which with kube-lease leases list)`;
      leases = open.leases.filter((l) => l.source === source && (l.requester.id === me.id || (me.email !== undefined && l.requester.email?.toLowerCase() === me.email.toLowerCase())));
    } catch (error) {
      storeNote = `leases: the lease table could not be read (${scrubSecrets(error instanceof Error ? error.message : String(error)).slice(0, 200)}); only tickets shown`;
    } finally {
      store.close();
    }
  }
  if (values.json === true) {
    io.out(asJson({ requester: { id: me.id, email: me.email }, requests, leases: leases?.map((l) => ({ id: l.id, ticket: l.ticketKey, status: l.status, cluster: l.cluster, namespaces: l.namespaces, role: l.roleRef, approvalKind: l.approvalKind ?? 'person', startsAt: l.startsAt, expiresAt: l.expiresAt, left: timeLeft(l, now) })) ?? null, unreadableLeaseItems: unreadable, note: storeNote }));
    return unreadable === 0 ? 0 : 1;
  }
  const rows = [['TICKET', 'STATUS', 'PROFILE', 'NAMESPACES', 'DURATION', 'URL']];
  for (const r of requests) rows.push([r.key, r.statusText, r.profile ?? '-', r.namespaces?.join(',') ?? '(profile\'s)', r.duration ?? '(default)', r.url]);
  io.out(requests.length === 0 ? 'no open requests\n' : table(rows));
  if (leases !== undefined) {
    const leaseRows = [['LEASE', 'TICKET', 'STATUS', 'APPROVAL', 'CLUSTER', 'NAMESPACES', 'ROLE', 'EXPIRES', 'LEFT']];
    for (const l of leases.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))) leaseRows.push([l.id, l.ticketKey, l.status, l.approvalKind ?? 'person', l.cluster, l.namespaces.join(','), `${l.roleRef.kind}/${l.roleRef.name}`, l.expiresAt, timeLeft(l, now)]);
    io.out(`\n${leases.length > 0 ? table(leaseRows) : unreadable === 0 ? 'no open leases\n' : 'no open lease that could be read\n'}`);
  }
  if (storeNote !== undefined) io.err(`${storeNote}\n`);
  return unreadable === 0 ? 0 : 1;
}
