import { FilterLogEventsCommand, type CloudWatchLogsClient, type FilterLogEventsResponse } from '@aws-sdk/client-cloudwatch-logs';
import { inWindow, type AuditEvent } from '../../domain/activity.js';
import { remainingTime } from '../../deadline.js';
import { ActivityLogError } from '../../errors.js';
import type { ActivityQuery } from '../../ports/activity-log.js';
import { withRetry, type RetryPolicy } from '../../retry.js';
import { isTransientAwsError } from '../eventbridge/transient.js';
import { auditEventOfLine, type AuditLogRead } from './audit-lines.js';

/** EKS writes the API server's audit log to streams named `kube-apiserver-audit-<id>`. */
export const AUDIT_STREAM_PREFIX = 'kube-apiserver-audit';
/** Pages read at most: past them the evidence would be incomplete, and the read fails instead. */
export const MAX_PAGES = 200;
/**
 * A log event is stamped when its stage is written, after the request arrived: the search starts a
 * little early (clock skew) and ends later (a request's stages may be logged after the window's end);
 * events are then kept by their `requestReceivedTimestamp`.
 */
const EARLY_MS = 60_000;
const LATE_MS = 5 * 60_000;
/** No page is started with less than this left of the invocation: the read fails retryably instead. */
const MIN_TIME_LEFT_MS = 3_000;
/** Pages without events allowed per page with events (see the loop). */
const EMPTY_PAGES_PER_PAGE = 10;
/** On top of the SDK client's own attempts; waits never outlast the invocation (see retry.ts). */
const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 5_000 };

export interface CloudWatchAuditSource {
  readonly logGroup: string;
  /** The region, for messages only (the client is already bound to it). */
  readonly region?: string | undefined;
}

export interface CloudWatchReadOptions {
  readonly maxPages?: number;
  readonly retry?: RetryPolicy;
}

/**
 * The filter pattern selecting one user's events. CloudWatch Logs has no escape inside a quoted
 * value, so a name with a double quote, a backslash or a control character is refused. A `*` may
 * act as a wildcard there: it can only widen the search, and events are matched exactly afterwards.
 */
export function userFilterPattern(username: string): string {
  if (username === '' || /["\\\u0000-\u001f\u007f]/.test(username)) {
    throw new ActivityLogError(`cannot search the audit log for user ${JSON.stringify(username)}: the name cannot be written in a CloudWatch Logs filter pattern`);
  }
  return `{ $.user.username = "${username}" }`;
}

function where(source: CloudWatchAuditSource): string {
  return `CloudWatch Logs group ${source.logGroup}${source.region === undefined ? '' : ` in ${source.region}`}`;
}

/** An SDK failure as an ActivityLogError: retryable when the service or the network may recover. */
export function cloudWatchError(source: CloudWatchAuditSource, error: unknown): ActivityLogError {
  const name = error instanceof Error ? error.name : 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') {
    return new ActivityLogError(`${where(source)} does not exist: turn on the EKS \`audit\` control-plane log type for the cluster, or fix auditLog.logGroup in the catalog`, { cause: error });
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new ActivityLogError(`kube-lease may not read ${where(source)} (${name}): grant its role logs:FilterLogEvents on that log group`, { cause: error });
  }
  const retryable = isTransientAwsError(error);
  return new ActivityLogError(`reading ${where(source)} failed${retryable ? ' (throttled or unreachable)' : ''}: ${name}: ${detail}`, { cause: error, retryable });
}

/**
 * One page of FilterLogEvents over the audit streams for the window (widened by the log's own
 * lateness), retried when throttled or unreachable; errors as ActivityLogError.
 */
export function filterPage(client: CloudWatchLogsClient, source: CloudWatchAuditSource, window: { readonly from: Date; readonly to: Date }, filterPattern: string, token: string | undefined, retry: RetryPolicy = DEFAULT_RETRY): Promise<FilterLogEventsResponse> {
  return withRetry(async () => {
    try {
      return await client.send(
        new FilterLogEventsCommand({
          logGroupName: source.logGroup,
          logStreamNamePrefix: AUDIT_STREAM_PREFIX,
          startTime: window.from.getTime() - EARLY_MS,
          endTime: window.to.getTime() + LATE_MS,
          filterPattern,
          ...(token === undefined ? {} : { nextToken: token }),
        }),
      );
    } catch (error) {
      throw cloudWatchError(source, error);
    }
  }, retry);
}

/**
 * The user's audit events in the window, read from an EKS cluster's control-plane log group with
 * FilterLogEvents, every page (at most `maxPages`, else a non-retryable ActivityLogError: a cut-off
 * list is never returned). Throttling and network failures are retried by the SDK client, then here
 * within the invocation's time; what still fails is a retryable ActivityLogError.
 */
export async function readCloudWatchAudit(
  client: CloudWatchLogsClient,
  source: CloudWatchAuditSource,
  query: Pick<ActivityQuery, 'username' | 'from' | 'to'>,
  options: CloudWatchReadOptions = {},
): Promise<AuditLogRead> {
  const maxPages = options.maxPages ?? MAX_PAGES;
  const filterPattern = userFilterPattern(query.username);
  const events: AuditEvent[] = [];
  let skipped = 0;
  let nextToken: string | undefined;
  // CloudWatch Logs also answers pages with no events and a next token while it searches a large
  // group: those count against a wider bound than pages that hold the user's events.
  for (let pages = 0, empty = 0; ; ) {
    if (pages >= maxPages) {
      throw new ActivityLogError(`${where(source)} holds more than ${maxPages} pages of ${query.username}'s events in the window: the evidence would be incomplete, so none is given`);
    }
    if (empty >= maxPages * EMPTY_PAGES_PER_PAGE) {
      throw new ActivityLogError(`${where(source)} was searched through ${empty} pages without reaching the end of the window: the evidence would be incomplete, so none is given`);
    }
    if (remainingTime() < MIN_TIME_LEFT_MS) {
      throw new ActivityLogError(`ran out of time reading ${where(source)} after ${pages + empty} pages`, { retryable: true });
    }
    const page = await filterPage(client, source, query, filterPattern, nextToken, options.retry ?? DEFAULT_RETRY);
    if ((page.events ?? []).length === 0) empty += 1;
    else pages += 1;
    for (const logEvent of page.events ?? []) {
      const event = logEvent.message === undefined ? undefined : auditEventOfLine(logEvent.message);
      if (event === undefined) skipped += 1;
      // The filter pattern narrows the search; whose events these are is decided here.
      else if (inWindow(event, query.username, query.from, query.to)) events.push(event);
    }
    nextToken = page.nextToken;
    if (nextToken === undefined || nextToken === '') return { events, skipped };
  }
}
