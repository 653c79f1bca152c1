import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseCatalog } from '../adapters/catalog/parse-catalog.js';
import { catalogWarnings } from '../domain/catalog.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import { functionRbac } from '../rbac.js';
import { findDueLeases } from '../use-cases/due-leases.js';
import type { SweepOptions, SweepSummary } from '../use-cases/sweep-leases.js';
import { unreadableLeasesLine } from '../domain/lease-list.js';
import { asJson } from './output.js';

type Out = (text: string) => void;

/** `sweep --dry-run`: what the sweep would do now, from the table alone. Exit 1 when a due item could not be read. */
export async function sweepDryRun(args: readonly string[], store: { readonly leases: LeaseStore; readonly clock: Clock; readonly pendingGraceSeconds: number }, out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  const due = await findDueLeases(store.leases, store.clock.now(), store.pendingGraceSeconds, Number.POSITIVE_INFINITY);
  if (values.json === true) {
    const ids = (list: readonly { id: string }[]) => list.map((l) => l.id);
    out(asJson({ activate: ids(due.starting), revoke: ids(due.expired), settle: ids(due.stale), announce: ids(due.owed), checkIdle: ids(due.idling), unreadable: due.unreadable }));
  } else {
    out(`dry run: would activate ${due.starting.length}, revoke ${due.expired.length}, settle ${due.stale.length} abandoned grant(s), announce ${due.owed.length} grant(s), check ${due.idling.length} for idleness\n`);
    for (const l of due.starting) out(`  activate ${l.id} ${l.ticketKey} (starts ${l.startsAt})\n`);
    for (const l of due.expired) out(`  revoke   ${l.id} ${l.ticketKey} (expired ${l.expiresAt})\n`);
    for (const l of due.stale) out(`  settle   ${l.id} ${l.ticketKey} (pending since ${l.createdAt})\n`);
    for (const l of due.owed) out(`  announce ${l.id} ${l.ticketKey} (owed since the grant, due ${l.announceAt ?? '?'})\n`);
    for (const l of due.idling) out(`  check    ${l.id} ${l.ticketKey} (idle timeout ${l.idle?.timeout ?? '?'}s, check due ${l.idle?.checkAt ?? '?'}; revoked only if the audit log shows it idle)\n`);
    for (const l of due.closing) out(`  revoke   ${l.id} ${l.ticketKey} (a close asked for it at ${l.revokeRequested?.at ?? '?'}; it could not finish then)\n`);
  }
  // The sweep counts these (UnreadableLeaseItems) and leaves them as they are.
  if (due.unreadable.length === 0) return 0;
  err(unreadableLeasesLine(due.unreadable));
  return 1;
}

/** `sweep`: one reconciling sweep with the orphan scan, now. Exit 1 when any step failed. */
export async function sweepNow(args: readonly string[], sweep: (options?: SweepOptions) => Promise<SweepSummary>, out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean' } }, strict: true });
  if (values.json !== true) err('sweeping …\n');
  const summary = await sweep({ scan: true });
  out(values.json === true ? asJson(summary) : `${Object.entries(summary).map(([k, v]) => `${k}: ${String(v)}`).join(', ')}\n`);
  return summary.failed === 0 ? 0 : 1;
}

/** `catalog check <file>`: validate a catalog and print the RBAC it implies (YAML on stdout, warnings on stderr). */
export function catalogCheck(args: readonly string[], out: Out, err: Out): number {
  const { values, positionals } = parseArgs({ args: [...args], options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) throw new UsageError('catalog check takes one file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((error as Error).message)}`, { cause: error });
  }
  let catalog;
  try {
    catalog = parseCatalog(text, file);
  } catch (error) {
    if (values.json === true) out(asJson({ file, valid: false, problems: error instanceof Error ? error.message.split('\n').slice(1).map((l) => l.trim()) : [String(error)] }));
    else err(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const warnings = catalogWarnings(catalog);
  const rbac = Object.fromEntries(Object.keys(catalog.clusters).map((cluster) => [cluster, functionRbac(catalog, cluster)]));
  if (values.json === true) {
    out(asJson({ file, valid: true, profiles: catalog.profiles.length, clusters: Object.keys(catalog.clusters), warnings, rbac }));
    return 0;
  }
  // Only YAML on stdout, so `catalog check … | kubectl apply -f -` works; the verdict goes to stderr.
  err(`${file}: valid; ${catalog.profiles.length} profile(s), ${Object.keys(catalog.clusters).length} cluster(s)\n`);
  for (const warning of warnings) err(`warning: ${warning}\n`);
  for (const [cluster, objects] of Object.entries(rbac)) {
    out(`# RBAC kube-lease needs in cluster ${cluster}\n`);
    for (const object of objects) out(`---\n${stringify(object)}`);
  }
  return 0;
}
