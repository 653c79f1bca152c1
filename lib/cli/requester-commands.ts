import { parseArgs } from 'node:util';
import { findProfile } from '../domain/catalog.js';
import { formatDuration } from '../domain/duration.js';
import { checkAccessRequest, type RequestProblem } from '../domain/request-check.js';
import type { LinkedTicket, Person } from '../domain/ticket.js';
import { KubeLeaseError, scrubSecrets, UsageError } from '../errors.js';
import type { CliIo } from './cli-context.js';
import { asJson } from './output.js';
import { DEFAULT_TIMEOUT, MAX_TIMEOUT, RequestRefused, seconds, sourceOf, type RequesterHooks } from './requester-common.js';
import { completionScript, completions } from './requester-completion.js';
import { mine } from './requester-mine.js';
import { approvalText, profiles } from './requester-profiles.js';
import { requesterCatalog, requesterSettings, requesterTickets } from './requester-settings.js';
import { waitCommand, waitFor } from './requester-wait.js';

export type { RequesterHooks } from './requester-common.js';

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

/** Before the account is read: a stand-in requester, and the problems that depend on who asks (or on the linked ticket) set aside. */
const UNKNOWN_REQUESTER: Person = { id: 'kube-lease:requester-not-yet-known', email: 'requester@example.invalid' };
const NEEDS_ACCOUNT: ReadonlySet<RequestProblem['code']> = new Set<RequestProblem['code']>(['requester-not-allowed', 'no-subject', 'no-linked-ticket']);

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
    if (args.includes('--json')) io.out(asJson({ error: message }));
    io.err(`kube-lease ${name}: ${error instanceof KubeLeaseError ? message : `unexpected failure: ${message}`}\n`);
    return 1;
  }
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

async function request(args: readonly string[], io: CliIo, hooks: RequesterHooks): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: REQUEST_OPTIONS, allowPositionals: true, strict: true });
  const name = positionals[0];
  if (name === undefined || positionals.length > 1) throw new UsageError('request takes one profile name (see `kube-lease profiles`)');
  if (values.wait === true && values.check === true) throw new UsageError('--check files nothing, so there is nothing to --wait for');
  const timeout = seconds(values.timeout, '--timeout', DEFAULT_TIMEOUT, MAX_TIMEOUT);
  const interval = seconds(values.interval, '--interval', 5, 600);
  const { catalog } = requesterCatalog(values.catalog, io.env);
  const source = sourceOf(values.source, catalog);
  const now = (hooks.now ?? (() => new Date()))();
  const profile = findProfile(catalog, name);
  const project = source === 'jira' ? (values.project ?? requesterSettings(io.env).get('KUBE_LEASE_JIRA_PROJECT') ?? catalog.jira?.projects?.[0]) : undefined;
  if (source === 'jira' && project === undefined) throw new UsageError('which Jira project? Pass --project <key> or set KUBE_LEASE_JIRA_PROJECT (the catalog names no jira.projects)');
  const issueType = source === 'jira' ? catalog.jira?.issueTypes?.[0] : undefined;
  const namespaces = values.namespaces?.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const reason = values.reason?.trim() ?? '';
  // Jira's summary holds 255 characters: a longer reason there would be cut, and checked as something else than filed.
  if (source === 'jira' && catalog.jira?.fields.justification === 'summary' && reason.length > 254) throw new UsageError('--reason is longer than 254 characters, the most the Jira summary (where this catalog keeps the reason) holds');
  if (/[\r\n]/.test(reason)) throw new UsageError('--reason is one line');
  const refuse = (problems: readonly RequestProblem[]) => {
    if (values.json === true) io.out(asJson({ filed: false, problems }));
    io.err(`kube-lease request: nothing was filed; the request would be denied:\n${problems.map((p) => `  - ${p.message} [${p.code}]`).join('\n')}\n`);
    return 1;
  };
  // First what needs no account (profile, namespaces, duration, reason, scope): refused before any credential is read.
  const early = checkAccessRequest(catalog, { source, profile: name, namespaces, duration: values.for, justification: reason, requester: UNKNOWN_REQUESTER, project, issueType }, now).problems.filter((p) => !NEEDS_ACCOUNT.has(p.code));
  if (early.length > 0) return refuse(early);
  const tickets = requesterTickets(source, catalog, io.env);
  // Who I am (this also proves the credentials) and the linked ticket's state now, before anything is filed.
  const requester = await tickets.whoami();
  const linkTable = profile?.linkedTicket?.serviceNowTable;
  let linked: LinkedTicket | undefined;
  if (values.link !== undefined) {
    linked = await tickets.linkedTicket(values.link.trim(), linkTable);
    if (linked === undefined) throw new RequestRefused([`${source === 'jira' ? 'Jira' : 'ServiceNow'} shows no ticket ${values.link.trim().slice(0, 40)} to you (--link)`]);
  }
  const { problems, preview } = checkAccessRequest(catalog, { source, profile: name, namespaces, duration: values.for, justification: reason, requester, project, issueType, linked }, now);
  if (problems.length > 0 || preview === undefined) return refuse(problems);
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
  return waitFor({ tickets, key: filed.key, url: filed.url, profile: preview.profile, namespaces: preview.namespaces, dryRun: catalog.dryRun || preview.profile.dryRun === true, timeout, interval, context: values.context, json: values.json === true, io, hooks });
}

// ---- completion --------------------------------------------------------------------------------

function completion(args: readonly string[], out: Out): number {
  const shell = args[0];
  if ((shell !== 'bash' && shell !== 'zsh') || args.length > 1) throw new UsageError('completion takes bash or zsh');
  out(completionScript(shell));
  return 0;
}
