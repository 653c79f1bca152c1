import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { isLeaseBindingName, parseBindingChange, type BindingChange } from '../../domain/binding-lifecycle.js';
import { remainingTime } from '../../deadline.js';
import { ActivityLogError } from '../../errors.js';
import type { BindingChangesQuery } from '../../ports/activity-log.js';
import type { RetryPolicy } from '../../retry.js';
import { filterPage, MAX_PAGES, type CloudWatchAuditSource } from './cloudwatch-activity-log.js';

/*
 * The lease's RoleBinding creates and deletes in a cluster's audit log: the cluster's own record of
 * when the lease's access began and ended (see binding-lifecycle.ts). A line is kept only when it is
 * a successful create or delete of a RoleBinding named after the lease, received in the window.
 */

/** Every RoleBinding kube-lease makes is named `kl-…` (bindingName); the lease id is matched afterwards. */
export const BINDING_FILTER_PATTERN = '{ $.objectRef.resource = "rolebindings" && $.objectRef.name = "kl-*" }';
/** A request's events are stamped when written, after it was received: the search ends a little later. */
const MIN_TIME_LEFT_MS = 3_000;
const EMPTY_PAGES_PER_PAGE = 10;

function kept(line: string, query: BindingChangesQuery): BindingChange | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const change = parseBindingChange(json);
  if (change === undefined || !isLeaseBindingName(change.name, query.leaseId)) return undefined;
  const at = Date.parse(change.at);
  return at >= query.from.getTime() && at <= query.to.getTime() ? change : undefined;
}

/** The lease's binding changes from an EKS control-plane log group (FilterLogEvents, every page, bounded as the activity read is). */
export async function readCloudWatchBindingChanges(
  client: CloudWatchLogsClient,
  source: CloudWatchAuditSource,
  query: BindingChangesQuery,
  options: { readonly maxPages?: number | undefined; readonly retry?: RetryPolicy | undefined } = {},
): Promise<BindingChange[]> {
  const maxPages = options.maxPages ?? MAX_PAGES;
  const changes: BindingChange[] = [];
  let nextToken: string | undefined;
  for (let pages = 0, empty = 0; ; ) {
    if (pages >= maxPages || empty >= maxPages * EMPTY_PAGES_PER_PAGE) {
      throw new ActivityLogError(`CloudWatch Logs group ${source.logGroup} could not be searched to the end for lease ${query.leaseId}'s RoleBindings (${pages + empty} pages)`);
    }
    if (remainingTime() < MIN_TIME_LEFT_MS) throw new ActivityLogError(`ran out of time searching ${source.logGroup} for RoleBinding changes`, { retryable: true });
    const page = await filterPage(client, source, query, BINDING_FILTER_PATTERN, nextToken, options.retry);
    if ((page.events ?? []).length === 0) empty += 1;
    else pages += 1;
    for (const logEvent of page.events ?? []) {
      const change = logEvent.message === undefined ? undefined : kept(logEvent.message, query);
      if (change !== undefined) changes.push(change);
    }
    nextToken = page.nextToken;
    if (nextToken === undefined || nextToken === '') return changes;
  }
}

/** The lease's binding changes from a kube-apiserver audit log file (JSON lines), read line by line. */
export async function readFileBindingChanges(path: string, query: BindingChangesQuery): Promise<BindingChange[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ActivityLogError(`audit log file ${path} could not be read`, { cause: error });
  }
  const input = handle.createReadStream({ encoding: 'utf8' });
  let failure: unknown;
  input.on('error', (error) => {
    failure = error;
  });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const changes: BindingChange[] = [];
  try {
    for await (const line of lines) {
      // A cheap test first: most lines are not about a lease's bindings.
      if (!line.includes('rolebindings')) continue;
      const change = kept(line, query);
      if (change !== undefined) changes.push(change);
    }
  } catch (error) {
    failure ??= error;
  } finally {
    lines.close();
    input.destroy();
    await handle.close().catch(() => undefined);
  }
  if (failure !== undefined) throw new ActivityLogError(`audit log file ${path} could not be read`, { cause: failure });
  return changes;
}
