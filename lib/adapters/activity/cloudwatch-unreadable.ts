import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { UNREADABLE_LINES_KEPT, type UnreadableLine } from '../../domain/activity-unreadable.js';
import { remainingTime } from '../../deadline.js';
import { ActivityLogError } from '../../errors.js';
import type { UnreadableQuery, UnreadableRead } from '../../ports/activity-log.js';
import type { RetryPolicy } from '../../retry.js';
import { unreadableMatch, unreadableTerms } from './audit-lines.js';
import { filterPage, MAX_PAGES, userFilterPattern, type CloudWatchAuditSource } from './cloudwatch-activity-log.js';

/** The same margins as the JSON search (see cloudwatch-activity-log.ts). */
const MIN_TIME_LEFT_MS = 3_000;
/** CloudWatch Logs' longest filter pattern. */
const MAX_PATTERN_CHARS = 1024;

/**
 * A term filter pattern (CloudWatch Logs' syntax for unstructured events, which matches JSON and
 * cut-off lines alike, where a JSON pattern `{ … }` never matches a line that is not JSON): any of
 * the log's truncation marker, a path in one of the namespaces, the user's name (see unreadableTerms).
 * Terms are quoted (they hold `/`, `.`, `[`); a quoted term has no escapes, so a name with a double
 * quote is refused as userFilterPattern refuses it.
 */
export function unreadableFilterPattern(query: Pick<UnreadableQuery, 'namespaces' | 'scope' | 'username'>): string {
  userFilterPattern(query.username);
  const pattern = unreadableTerms(query)
    .map((t) => `?"${t}"`)
    .join(' ');
  if (pattern.length > MAX_PATTERN_CHARS) throw new ActivityLogError(`cannot search the audit log for cut-off events: the lease's ${query.namespaces.length} namespaces make a filter pattern longer than CloudWatch Logs takes`);
  return pattern;
}

/**
 * The lines in the window that are not audit events and may be the user's requests in the
 * namespaces (see ActivityLog.unreadable), from an EKS cluster's control-plane log group: at most
 * `maxPages` FilterLogEvents calls (the revoke: one), each a page of up to 1 MB; a search that stops
 * before the end of the window (pages or the invocation's time) says so (`complete: false`). Errors
 * as readCloudWatchAudit's.
 */
export async function readCloudWatchUnreadable(
  client: CloudWatchLogsClient,
  source: CloudWatchAuditSource,
  query: Omit<UnreadableQuery, 'cluster'>,
  options: { readonly retry?: RetryPolicy | undefined } = {},
): Promise<UnreadableRead> {
  const filterPattern = unreadableFilterPattern(query);
  const terms = unreadableTerms(query);
  const maxPages = query.maxPages ?? MAX_PAGES;
  const lines: UnreadableLine[] = [];
  let count = 0;
  let nextToken: string | undefined;
  for (let pages = 0; pages < maxPages; pages += 1) {
    if (remainingTime() < MIN_TIME_LEFT_MS) {
      // What was searched stands, said to be incomplete; nothing searched is a failure to retry.
      if (pages > 0) return { count, lines, complete: false };
      throw new ActivityLogError(`ran out of time before searching CloudWatch Logs group ${source.logGroup} for cut-off events`, { retryable: true });
    }
    const page = await filterPage(client, source, query, filterPattern, nextToken, options.retry);
    for (const logEvent of page.events ?? []) {
      if (logEvent.message === undefined || logEvent.timestamp === undefined) continue;
      const line = unreadableMatch(logEvent.message, new Date(logEvent.timestamp).toISOString(), terms);
      if (line === undefined) continue;
      count += 1;
      if (lines.length < UNREADABLE_LINES_KEPT) lines.push(line);
    }
    nextToken = page.nextToken;
    if (nextToken === undefined || nextToken === '') return { count, lines, complete: true };
  }
  return { count, lines, complete: false };
}
