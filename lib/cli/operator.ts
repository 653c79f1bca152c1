import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { catalogWarnings, parseCatalog } from '../catalog.js';
import { buildContainer, type Container } from '../container.js';
import { loadConfig } from '../config.js';
import { OPEN_STATUSES, type Lease } from '../domain/lease.js';
import { isLeaseId } from '../domain/names.js';
import { personLabel } from '../domain/ticket.js';
import { describeError } from '../errors.js';
import { functionRbac } from '../rbac.js';
import { REPORT_USAGE, runReport } from './report-command.js';

export const USAGE = `usage: kube-lease <command>
  leases list [--user <email>] [--ticket <key>] [--source jira|servicenow]   open leases (or all of one ticket)
  leases show <lease id>                                                    one lease with its history
  leases revoke <lease id> --reason <text>                                  revoke now (audited, ticket told)
  sweep [--dry-run]                                                         run the reconciling sweep (or show what is due)
  catalog check <file>                                                      validate a catalog and print the RBAC it implies
${REPORT_USAGE}
Configuration comes from the same environment variables as the functions (see README);
AWS_REGION and LEASES_TABLE pick the table, DYNAMODB_ENDPOINT a local one.`;

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Builds the container; by default from `env`, for AWS or a DynamoDB endpoint. */
  readonly container?: () => Container;
}

class UsageError extends Error {}

/** The operator CLI. Returns the exit code: 0 done, 1 failed, 2 wrong arguments. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const container = io.container ?? (() => buildContainer(loadConfig(io.env)));
  try {
    const [group, command, ...rest] = argv;
    if (group === undefined || group === '--help' || group === 'help') {
      io.out(`${USAGE}\n`);
      return group === undefined ? 2 : 0;
    }
    if (group === 'catalog' && command === 'check') return catalogCheck(rest, io);
    if (group === 'report') return await runReport(argv.slice(1), io);
    if (group === 'leases' && command === 'list') return await leasesList(rest, container(), io);
    if (group === 'leases' && command === 'show') return await leasesShow(rest, container(), io);
    if (group === 'leases' && command === 'revoke') return await leasesRevoke(rest, container(), io);
    if (group === 'sweep') return await sweep(command === undefined ? [] : [command, ...rest], container(), io);
    throw new UsageError(`unknown command: ${argv.join(' ')}`);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      const message = error instanceof Error ? error.message : String(error);
      io.err(`${message}\n${USAGE}\n`);
      return 2;
    }
    io.err(`kube-lease: ${describeError(error)}\n`);
    return 1;
  }
}

function catalogCheck(args: readonly string[], io: CliIo): number {
  const file = args[0];
  if (file === undefined || args.length > 1) throw new UsageError('catalog check takes one file');
  let catalog;
  try {
    catalog = parseCatalog(readFileSync(file, 'utf8'), file);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.out(`${file}: valid; ${catalog.profiles.length} profile(s), ${Object.keys(catalog.clusters).length} cluster(s)\n`);
  for (const warning of catalogWarnings(catalog)) io.err(`warning: ${warning}\n`);
  for (const cluster of Object.keys(catalog.clusters)) {
    io.out(`# RBAC kube-lease needs in cluster ${cluster}\n`);
    for (const object of functionRbac(catalog, cluster)) io.out(`---\n${stringify(object)}`);
  }
  return 0;
}

function table(leases: readonly Lease[]): string {
  const rows = [['LEASE', 'STATUS', 'TICKET', 'REQUESTER', 'PROFILE', 'CLUSTER', 'NAMESPACES', 'EXPIRES']];
  for (const l of leases) rows.push([l.id, l.status, l.ticketKey, personLabel(l.requester), l.profile, l.cluster, l.namespaces.join(','), l.expiresAt]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

async function leasesList(args: readonly string[], c: Container, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { user: { type: 'string' }, ticket: { type: 'string' }, source: { type: 'string' } }, strict: true });
  const source = values.source ?? 'jira';
  if (source !== 'jira' && source !== 'servicenow') throw new UsageError('--source is jira or servicenow');
  let leases: readonly Lease[];
  if (values.ticket !== undefined) leases = await c.leases.listForTicket(source, values.ticket);
  else {
    const far = new Date('9999-12-31T00:00:00.000Z');
    const open = (await Promise.all(OPEN_STATUSES.map((status) => c.leases.listDue(status, far, 1000)))).flat();
    leases = values.user === undefined ? open : open.filter((l) => l.requester.email?.toLowerCase() === values.user?.toLowerCase() || l.requester.id === values.user);
  }
  io.out(leases.length === 0 ? 'no leases\n' : table(leases));
  return 0;
}

async function leasesShow(args: readonly string[], c: Container, io: CliIo): Promise<number> {
  const id = args[0];
  if (id === undefined || !isLeaseId(id)) throw new UsageError('leases show takes a lease id (20 hex characters)');
  const lease = await c.leases.get(id);
  if (lease === undefined) {
    io.err(`no lease ${id}\n`);
    return 1;
  }
  io.out(
    [
      `lease      ${lease.id} (${lease.status})`,
      `ticket     ${lease.source} ${lease.ticketKey} ${lease.ticketUrl}`,
      `requester  ${personLabel(lease.requester)}; approved by ${lease.approvers.map(personLabel).join(', ')}`,
      `access     ${lease.roleRef.kind}/${lease.roleRef.name} for ${lease.subject.kind} ${lease.subject.name} in ${lease.cluster}: ${lease.namespaces.join(', ')}`,
      `window     ${lease.startsAt} → ${lease.expiresAt}`,
      `bindings   ${lease.bindings.map((b) => `${b.namespace}/${b.name}`).join(', ')}`,
      'history',
      ...lease.history.map((h) => `  ${h.at}  ${h.from ?? '-'} → ${h.to}  by ${h.by}${h.note ? ` (${h.note})` : ''}`),
    ].join('\n') + '\n',
  );
  return 0;
}

async function leasesRevoke(args: readonly string[], c: Container, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: { reason: { type: 'string' } }, allowPositionals: true, strict: true });
  const id = positionals[0];
  if (id === undefined || !isLeaseId(id) || positionals.length > 1) throw new UsageError('leases revoke takes one lease id');
  if (values.reason === undefined || values.reason.trim() === '') throw new UsageError('--reason is required: it goes into the audit trail and the ticket');
  const who = io.env.USER ?? 'operator';
  io.out(`revoking ${id} …\n`);
  const outcome = await c.revokeLease({ leaseId: id, cause: 'manual', actor: `cli:${who}`, note: values.reason.trim() });
  if (outcome.kind === 'revoked') {
    io.out(`revoked ${id}; bindings deleted, ticket ${outcome.lease.ticketKey} told\n`);
    return 0;
  }
  io.err(outcome.kind === 'not-found' ? `no lease ${id}\n` : `lease ${id} is ${outcome.kind === 'not-active' ? outcome.lease.status : outcome.kind}: nothing to revoke\n`);
  return 1;
}

async function sweep(args: readonly string[], c: Container, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { 'dry-run': { type: 'boolean' } }, strict: true });
  if (values['dry-run'] === true) {
    const now = c.clock.now();
    const grace = new Date(now.getTime() - c.config.pendingGraceSeconds * 1000);
    const [starting, expired, stale] = await Promise.all([
      c.leases.listDue('SCHEDULED', now, 1000),
      c.leases.listDue('ACTIVE', now, 1000),
      c.leases.listDue('PENDING', grace, 1000),
    ]);
    io.out(`dry run: would activate ${starting.length}, revoke ${expired.length}, settle ${stale.length} abandoned grant(s)\n`);
    for (const l of starting) io.out(`  activate ${l.id} ${l.ticketKey} (starts ${l.startsAt})\n`);
    for (const l of expired) io.out(`  revoke   ${l.id} ${l.ticketKey} (expired ${l.expiresAt})\n`);
    for (const l of stale) io.out(`  settle   ${l.id} ${l.ticketKey} (pending since ${l.createdAt})\n`);
    return 0;
  }
  io.out('sweeping …\n');
  const summary = await c.sweepLeases({ scan: true });
  io.out(`${JSON.stringify(summary)}\n`);
  return summary.failed === 0 ? 0 : 1;
}
