import { parseArgs } from 'node:util';
import { requesterCluster, type RequesterCluster } from '../adapters/kubernetes/self-access-review.js';
import type { RequesterTickets, RequestStatus } from '../adapters/requester/requester-tickets.js';
import { accessCheckOf, findProfile, type Catalog, type Profile } from '../domain/catalog.js';
import { formatDuration, parseDuration } from '../domain/duration.js';
import { OPEN_STATUSES, type Lease } from '../domain/lease.js';
import { checkAccessRequest } from '../domain/request-check.js';
import type { LinkedTicket, TicketSourceName } from '../domain/ticket.js';
import { isTicketSource, TICKET_SOURCES } from '../domain/ticket.js';
import { KubeLeaseError, scrubSecrets, UsageError } from '../errors.js';
import type { CliIo } from './cli-context.js';
import { completionScript, completions } from './requester-completion.js';
import { asJson, timeLeft } from './output.js';
import { requesterCatalog, requesterSettings, requesterTickets } from './requester-settings.js';
import { storeFromEnvIfSet } from './requester-store.js';

/** The requester's commands, their synopses and what they do (for the usage text and `--help`). */
export const REQUESTER_COMMANDS: Readonly<Record<string, { readonly synopsis: string; readonly about: string }>> = {
  profiles: { synopsis: 'profiles [--catalog <file>] [--json]', about: 'what the catalog lets you ask for: role, cluster, namespaces, default and maximum duration, who approves' },
  request: {
    synopsis: 'request <profile> --reason <text> [--namespaces a,b] [--for 2h] [--link <ticket>] [--source jira|servicenow] [--project <key>] [--check] [--wait [--timeout 30m] [--context <kubectl context>]] [--catalog <file>] [--json]',
    about: 'check a request against the catalog, then file it as you (your own Jira/ServiceNow credentials) and print its URL; --check files nothing; --wait waits until the cluster says the access works',
  },
  wait: { synopsis: 'wait <ticket> [--source jira|servicenow] [--timeout 30m] [--context <kubectl context>] [--catalog <file>] [--json]', about: 'wait for a request you filed until the access works, or it is denied or closed' },
  mine: { synopsis: 'mine [--source jira|servicenow] [--catalog <file>] [--json]', about: 'your open requests (from the tickets you filed) and your leases (from the lease table, when its settings are set)' },
  completion: { synopsis: 'completion bash|zsh', about: 'a shell completion script for commands, profiles and namespaces: source <(npx kube-lease completion bash)' },
};

export function isRequesterCommand(name: string | undefined): boolean {
  return name !== undefined && (name in REQUESTER_COMMANDS || name === '__complete');
}

type Out = (text: string) => void;
const DEFAULT_TIMEOUT = 30 * 60;
const MAX_TIMEOUT = 24 * 3600;

/** Test seams: the kubectl side and the pause between polls. Defaults: the requester's kubeconfig, a real timer. */
export interface RequesterHooks {
  readonly cluster?: (context: string | undefined) => RequesterCluster;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

/**
 * `kube-lease profiles | request | wait | mine | completion`: the requester's side. Errors are
 * one plain sentence on stderr (no stack): exit 1 for a refused or failed request, 2 for wrong
 * arguments.
 */
export async function runRequesterCommand(name: string, args: readonly string[], io: CliIo, hooks: RequesterHooks = {}): Promise<number> {
  const spec = REQUESTER_COMMANDS[name];
  if (spec !== undefined && (args.includes('--help') || args.includes('-h'))) {
    io.out(`usage: kube-lease ${spec.synopsis}\n  ${spec.about}\n`);
    return 0;
  }
  try {
    switch (name) {
      case 'profiles':
        return profiles(args, io);
      case 'request':
        return await request(args, io, hooks);
      case 'wait':
        return await waitCommand(args, io, hooks);
      case 'mine':
        return await mine(args, io, hooks);
      case 'completion':
        return completion(args, io.out);
      default:
        io.out(completions(args, io.env));
        return 0;
    }
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    const message = scrubSecrets(error instanceof Error ? error.message : String(error));
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`kube-lease ${name}: ${message}\nusage: kube-lease ${spec?.synopsis ?? name}\n`);
      return 2;
    }
    io.err(`kube-lease ${name}: ${error instanceof KubeLeaseError ? message : `unexpected failure: ${message}`}\n`);
    return 1;
  }
}

function sourceOf(option: string | undefined, catalog: Catalog): TicketSourceName {
  if (option !== undefined) {
    if (!isTicketSource(option)) throw new UsageError(`--source is ${TICKET_SOURCES.join(' or ')}, not ${option}`);
    return option;
  }
  return catalog.jira !== undefined ? 'jira' : 'servicenow';
}

// ---- profiles ----------------------------------------------------------------------------------

/** Who approves a profile. On-call and break-glass approvals are not catalog settings yet: always empty here. */
function approvalOf(profile: Profile): { people: readonly string[]; groups: readonly string[]; onCall: readonly string[]; breakGlass: readonly string[] } {
  return { people: profile.approvers ?? [], groups: profile.approverGroups ?? [], onCall: [], breakGlass: [] };
}

function approvalText(profile: Profile): string {
  const a = approvalOf(profile);
  const parts = [...(a.people.length > 0 ? [`people: ${a.people.join(', ')}`] : []), ...(a.groups.length > 0 ? [`a member of ${a.groups.join(' or ')}`] : [])];
  return parts.length === 0 ? 'any other person' : parts.join('; ');
}

function profiles(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({ args: [...args], options: { catalog: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const { catalog } = requesterCatalog(values.catalog, io.env);
  if (values.json === true) {
    io.out(
      asJson(
        catalog.profiles.map((p) => ({
          name: p.name,
          description: p.description,
          role: p.roleRef,
          cluster: p.cluster,
          namespaces: p.namespaces,
          defaultDurationSeconds: p.defaultDuration,
          maxDurationSeconds: p.maxDuration,
          approval: approvalOf(p),
          requesters: p.requesters,
          justification: p.justification,
          linkedTicket: p.linkedTicket === undefined ? undefined : { jiraStatuses: p.linkedTicket.jiraStatuses, serviceNowStates: p.linkedTicket.serviceNowStates },
          verify: accessCheckOf(p),
        })),
      ),
    );
    return 0;
  }
  const rows = [['PROFILE', 'ROLE', 'CLUSTER', 'NAMESPACES', 'DEFAULT', 'MAX', 'APPROVED BY']];
  for (const p of catalog.profiles) rows.push([p.name, `${p.roleRef.kind}/${p.roleRef.name}`, p.cluster, p.namespaces.join(','), formatDuration(p.defaultDuration), formatDuration(p.maxDuration), approvalText(p)]);
  io.out(table(rows));
  const notes = catalog.profiles.flatMap((p) => [
    ...(p.description === undefined ? [] : [`${p.name}: ${p.description}`]),
    ...(p.justification === undefined ? [] : [`${p.name}: the reason must match ${p.justification.pattern}${p.justification.hint ? ` (${p.justification.hint})` : ''}`]),
    ...(p.linkedTicket === undefined ? [] : [`${p.name}: needs --link <ticket> in state ${[...(p.linkedTicket.jiraStatuses ?? []), ...(p.linkedTicket.serviceNowStates ?? [])].join(' or ')}`]),
    ...(p.requesters === undefined ? [] : [`${p.name}: only ${p.requesters.join(', ')} may request it`]),
  ]);
  if (notes.length > 0) io.out(`\n${notes.join('\n')}\n`);
  return 0;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

// ---- request -----------------------------------------------------------------------------------

const REQUEST_OPTIONS = {
  namespaces: { type: 'string' },
  for: { type: 'string' },
  reason: { type: 'string' },
  link: { type: 'string' },
  source: { type: 'string' },
  project: { type: 'string' },
  check: { type: 'boolean' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  interval: { type: 'string' },
  context: { type: 'string' },
  catalog: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function seconds(text: string | undefined, option: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = parseDuration(text);
  if (value === undefined || value <= 0 || value > max) throw new UsageError(`${option} takes a duration up to ${formatDuration(max)}, e.g. 30m or 2h`);
  return value;
}

async function request(args: readonly string[], io: CliIo, hooks: RequesterHooks): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: REQUEST_OPTIONS, allowPositionals: true, strict: true });
  const name = positionals[0];
  if (name === undefined || positionals.length > 1) throw new UsageError('request takes one profile name (see `kube-lease profiles`)');
  if (values.wait === true && values.check === true) throw new UsageError('--check files nothing, so there is nothing to --wait for');
  const timeout = seconds(values.timeout, '--timeout', DEFAULT_TIMEOUT, MAX_TIMEOUT);
  const interval = seconds(values.interval, '--interval', 5, 600);
  const { catalog } = requesterCatalog(values.catalog, io.env);
  const source = sourceOf(values.source, catalog);
  const tickets = requesterTickets(source, catalog, io.env);
  const now = (hooks.now ?? (() => new Date()))();
  const profile = findProfile(catalog, name);
  const project = source === 'jira' ? (values.project ?? requesterSettings(io.env).get('KUBE_LEASE_JIRA_PROJECT') ?? catalog.jira?.projects?.[0]) : undefined;
  if (source === 'jira' && project === undefined) throw new UsageError('which Jira project? Pass --project <key> or set KUBE_LEASE_JIRA_PROJECT (the catalog names no jira.projects)');
  const issueType = source === 'jira' ? catalog.jira?.issueTypes?.[0] : undefined;
  // Who I am (this also proves the credentials) and the linked ticket's state now, before anything is filed.
  const requester = await tickets.whoami();
  const linkTable = profile?.linkedTicket?.serviceNowTable;
  let linked: LinkedTicket | undefined;
  if (values.link !== undefined) {
    linked = await tickets.linkedTicket(values.link.trim(), linkTable);
    if (linked === undefined) throw new RequestRefused([`${source === 'jira' ? 'Jira' : 'ServiceNow'} shows no ticket ${values.link.trim().slice(0, 40)} to you (--link)`]);
  }
  const namespaces = values.namespaces?.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const reason = values.reason?.trim() ?? '';
  const { problems, preview } = checkAccessRequest(catalog, { source, profile: name, namespaces, duration: values.for, justification: reason, requester, project, issueType, linked }, now);
  if (problems.length > 0 || preview === undefined) {
    if (values.json === true) io.out(asJson({ filed: false, problems }));
    io.err(`kube-lease request: nothing was filed; the request would be denied:\n${problems.map((p) => `  - ${p.message} [${p.code}]`).join('\n')}\n`);
    return 1;
  }
  const summary = `${preview.profile.roleRef.kind}/${preview.profile.roleRef.name} in ${preview.profile.cluster}: ${preview.namespaces.join(', ')} for ${formatDuration(preview.durationSeconds)} as ${preview.subject.kind} ${preview.subject.name}`;
  if (values.check === true) {
    if (values.json === true) io.out(asJson({ filed: false, problems: [], would: { profile: preview.profile.name, namespaces: preview.namespaces, durationSeconds: preview.durationSeconds, subject: preview.subject } }));
    else io.out(`ok: ${preview.profile.name} would give ${summary} once approved (${approvalText(preview.profile)}); nothing filed (--check)\n`);
    return 0;
  }
  const filed = await tickets.file(
    {
      profile: preview.profile.name,
      namespaces,
      duration: values.for,
      justification: reason,
      title: `Kubernetes access: ${preview.profile.name} (${preview.namespaces.join(', ')}) - ${reason}`.slice(0, 250),
      link: linked === undefined ? undefined : { ...linked, field: profile?.linkedTicket?.serviceNowField, table: linkTable },
      project,
      issueType,
    },
    requester,
  );
  if (values.wait !== true) {
    if (values.json === true) io.out(asJson({ filed: true, ticket: filed.key, url: filed.url, source, profile: preview.profile.name, namespaces: preview.namespaces, durationSeconds: preview.durationSeconds }));
    else io.out(`${filed.url}\nfiled ${filed.key} as ${requester.email ?? requester.id}: ${summary}, once approved (${approvalText(preview.profile)}). Follow it with: kube-lease wait ${filed.key}\n`);
    return 0;
  }
  io.err(`filed ${filed.key}: ${filed.url}\n`);
  return waitFor({ tickets, key: filed.key, url: filed.url, profile: preview.profile, namespaces: preview.namespaces, timeout, interval, context: values.context, json: values.json === true, io, hooks });
}

/** A request the pre-check refused: nothing was filed. */
class RequestRefused extends KubeLeaseError {
  override name = 'RequestRefused';
  constructor(problems: readonly string[]) {
    super(`nothing was filed: ${problems.join('; ')}`);
  }
}

// ---- wait --------------------------------------------------------------------------------------

async function waitCommand(args: readonly string[], io: CliIo, hooks: RequesterHooks): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { source: { type: 'string' }, timeout: { type: 'string' }, interval: { type: 'string' }, context: { type: 'string' }, catalog: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const key = positionals[0];
  if (key === undefined || positionals.length > 1) throw new UsageError('wait takes one ticket key (OPS-123, CHG0030001)');
  const { catalog } = requesterCatalog(values.catalog, io.env);
  const source = sourceOf(values.source, catalog);
  const tickets = requesterTickets(source, catalog, io.env);
  const status = await tickets.status(key);
  const profile = status.profile === undefined ? undefined : findProfile(catalog, status.profile);
  if (profile === undefined) throw new RequestRefused([`${key} names ${status.profile === undefined ? 'no access profile' : `profile "${status.profile}", which is not in the catalog`}`]);
  const namespaces = status.namespaces !== undefined && status.namespaces.length > 0 ? [...new Set(status.namespaces)].sort() : profile.namespaces;
  return waitFor({
    tickets,
    key: status.key,
    url: status.url,
    profile,
    namespaces,
    timeout: seconds(values.timeout, '--timeout', DEFAULT_TIMEOUT, MAX_TIMEOUT),
    interval: seconds(values.interval, '--interval', 5, 600),
    context: values.context,
    json: values.json === true,
    io,
    hooks,
  });
}

interface WaitInput {
  readonly tickets: RequesterTickets;
  readonly key: string;
  readonly url: string;
  readonly profile: Profile;
  readonly namespaces: readonly string[];
  /** Seconds. */
  readonly timeout: number;
  readonly interval: number;
  readonly context: string | undefined;
  readonly json: boolean;
  readonly io: CliIo;
  readonly hooks: RequesterHooks;
}

/**
 * Polls until the access works: the ticket's state (stopping when it is denied or closed) and, once
 * it is approved, the cluster itself, asked with the requester's own kubeconfig whether they may do
 * the profile's `verify` check in every namespace (SelfSubjectAccessReview). Progress on stderr;
 * the result (the kubectl context and namespaces to use) on stdout.
 */
async function waitFor(input: WaitInput): Promise<number> {
  const { io, hooks, key, profile, namespaces } = input;
  const now = hooks.now ?? (() => new Date());
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const cluster = (hooks.cluster ?? ((context) => requesterCluster({ context, kubeconfig: io.env.KUBECONFIG?.split(':')[0] || undefined })))(input.context);
  const check = accessCheckOf(profile);
  const what = `${check.verb} ${check.group === '' ? '' : `${check.group}/`}${check.resource}${check.subresource === undefined ? '' : `/${check.subresource}`}`;
  const deadline = now().getTime() + input.timeout * 1000;
  const result = (body: Record<string, unknown>) => (input.json ? io.out(asJson({ ticket: key, url: input.url, ...body })) : undefined);
  io.err(`waiting up to ${formatDuration(input.timeout)} for ${key} to be approved and the access to work (context ${cluster.context}; Ctrl-C stops waiting, not the request) …\n`);
  let last = '';
  let status: RequestStatus | undefined;
  for (;;) {
    try {
      status = await input.tickets.status(key);
    } catch (error) {
      // One failed read is not the end: say so and ask again.
      io.err(`  could not read ${key} (${scrubSecrets(error instanceof Error ? error.message : String(error)).slice(0, 200)}); trying again\n`);
    }
    if (status?.state === 'denied' || status?.state === 'closed') {
      const why = status.reason ?? `the ticket is ${status.statusText}`;
      result({ state: status.state, status: status.statusText, reason: why });
      io.err(`${key} was ${status.state === 'denied' ? 'denied' : 'closed'}: ${why}. Nothing to wait for.\n`);
      return 1;
    }
    if (status?.state === 'approved') {
      const answers = await Promise.all(namespaces.map(async (ns) => ({ ns, ...(await cluster.canI(ns, check)) })));
      const missing = answers.filter((a) => !a.allowed).map((a) => a.ns);
      if (missing.length === 0) {
        const commands = namespaces.map((ns) => `kubectl --context ${cluster.context} --namespace ${ns} get ${check.resource}`);
        result({ state: 'live', context: cluster.context, namespaces, check, kubectl: commands });
        if (!input.json) {
          io.out(
            `access is live: the cluster (context ${cluster.context}) says you can ${what} in ${namespaces.join(', ')}\n` +
              commands.map((c) => `  ${c}\n`).join('') +
              `  or make it your default: kubectl config set-context ${cluster.context} --namespace ${namespaces[0] ?? ''}\n`,
          );
        }
        return 0;
      }
      const line = `${key} is approved; the cluster does not yet let you ${what} in ${missing.join(', ')}`;
      if (line !== last) io.err(`  ${line}\n`);
      last = line;
    } else if (status !== undefined) {
      const line = `${key} is "${status.statusText}": waiting for approval`;
      if (line !== last) io.err(`  ${line}\n`);
      last = line;
    }
    const left = deadline - now().getTime();
    if (left <= 0) {
      result({ state: 'timeout', status: status?.statusText });
      io.err(`gave up after ${formatDuration(input.timeout)}: ${key} is "${status?.statusText ?? 'unknown'}" and the access does not work yet. The request stays open; run \`kube-lease wait ${key}\` to keep waiting.\n`);
      return 1;
    }
    await sleep(Math.min(left, input.interval * 1000));
  }
}

// ---- mine --------------------------------------------------------------------------------------

async function mine(args: readonly string[], io: CliIo, hooks: RequesterHooks): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { source: { type: 'string' }, catalog: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const { catalog } = requesterCatalog(values.catalog, io.env);
  const source = sourceOf(values.source, catalog);
  const tickets = requesterTickets(source, catalog, io.env);
  const me = await tickets.whoami();
  const requests = await tickets.mine(me);
  const now = (hooks.now ?? (() => new Date()))();
  let leases: Lease[] | undefined;
  let storeNote: string | undefined;
  const store = storeFromEnvIfSet(io.env);
  if (store === undefined) storeNote = 'leases: the lease table is not set (LEASES_TABLE with AWS_REGION, or DYNAMODB_ENDPOINT); only tickets shown';
  else {
    try {
      const open = (await Promise.all(OPEN_STATUSES.map((s) => store.leases.listDue(s, new Date('9999-12-31T00:00:00Z'), Number.MAX_SAFE_INTEGER)))).flat();
      leases = open.filter((l) => l.source === source && (l.requester.id === me.id || (me.email !== undefined && l.requester.email?.toLowerCase() === me.email.toLowerCase())));
    } catch (error) {
      storeNote = `leases: the lease table could not be read (${scrubSecrets(error instanceof Error ? error.message : String(error)).slice(0, 200)}); only tickets shown`;
    } finally {
      store.close();
    }
  }
  if (values.json === true) {
    io.out(asJson({ requester: { id: me.id, email: me.email }, requests, leases: leases?.map((l) => ({ id: l.id, ticket: l.ticketKey, status: l.status, cluster: l.cluster, namespaces: l.namespaces, role: l.roleRef, startsAt: l.startsAt, expiresAt: l.expiresAt, left: timeLeft(l, now) })) ?? null, note: storeNote }));
    return 0;
  }
  const rows = [['TICKET', 'STATUS', 'PROFILE', 'NAMESPACES', 'DURATION', 'URL']];
  for (const r of requests) rows.push([r.key, r.statusText, r.profile ?? '-', r.namespaces?.join(',') ?? '(profile\'s)', r.duration ?? '(default)', r.url]);
  io.out(requests.length === 0 ? 'no open requests\n' : table(rows));
  if (leases !== undefined) {
    const leaseRows = [['LEASE', 'TICKET', 'STATUS', 'CLUSTER', 'NAMESPACES', 'ROLE', 'EXPIRES', 'LEFT']];
    for (const l of leases.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))) leaseRows.push([l.id, l.ticketKey, l.status, l.cluster, l.namespaces.join(','), `${l.roleRef.kind}/${l.roleRef.name}`, l.expiresAt, timeLeft(l, now)]);
    io.out(`\n${leases.length === 0 ? 'no open leases\n' : table(leaseRows)}`);
  }
  if (storeNote !== undefined) io.err(`${storeNote}\n`);
  return 0;
}

// ---- completion --------------------------------------------------------------------------------

function completion(args: readonly string[], out: Out): number {
  const shell = args[0];
  if ((shell !== 'bash' && shell !== 'zsh') || args.length > 1) throw new UsageError('completion takes bash or zsh');
  out(completionScript(shell));
  return 0;
}
