import { parseArgs } from 'node:util';
import { requesterCluster } from '../adapters/kubernetes/self-access-review.js';
import type { RequesterTickets, RequestStatus } from '../adapters/requester/requester-tickets.js';
import { accessCheckOf, findProfile, type Profile } from '../domain/catalog.js';
import { formatDuration } from '../domain/duration.js';
import { scrubSecrets, UsageError } from '../errors.js';
import type { CliIo } from './cli-context.js';
import { asJson } from './output.js';
import { DEFAULT_TIMEOUT, MAX_TIMEOUT, RequestRefused, seconds, sourceOf, type RequesterHooks } from './requester-common.js';
import { requesterCatalog, requesterTickets } from './requester-settings.js';

/* `kube-lease wait <ticket>` and `request --wait`: until the cluster says the access works. */

export async function waitCommand(args: readonly string[], io: CliIo, hooks: RequesterHooks): Promise<number> {
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
    dryRun: catalog.dryRun || profile.dryRun === true,
    timeout: seconds(values.timeout, '--timeout', DEFAULT_TIMEOUT, MAX_TIMEOUT),
    interval: seconds(values.interval, '--interval', 5, 600),
    context: values.context,
    json: values.json === true,
    io,
    hooks,
  });
}

export interface WaitInput {
  readonly tickets: RequesterTickets;
  readonly key: string;
  readonly url: string;
  readonly profile: Profile;
  readonly namespaces: readonly string[];
  /** The catalog's or the profile's dry run: approvals are validated, nothing is ever granted. */
  readonly dryRun: boolean;
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
export async function waitFor(input: WaitInput): Promise<number> {
  const { io, hooks, key, profile, namespaces } = input;
  if (input.dryRun) {
    if (input.json) io.out(asJson({ ticket: key, url: input.url, state: 'dry-run' }));
    io.err(`${key}: profile "${profile.name}" runs in dry run (the catalog's dryRun): an approval is validated and nothing is granted, so the access will never work; not waiting\n`);
    return 1;
  }
  const now = hooks.now ?? (() => new Date());
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const cluster = (hooks.cluster ?? ((context) => requesterCluster({ context, kubeconfig: io.env.KUBECONFIG })))(input.context);
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
