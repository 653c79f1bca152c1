import { createHash } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';

/** One event as CloudWatch Logs stores it. */
export interface StoredLogEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly eventId: string;
}

/** The FilterLogEvents parameters kube-lease sends (and the fake honours). */
export interface FilterLogEventsCall {
  readonly logGroupName?: string;
  readonly logStreamNamePrefix?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly filterPattern?: string;
  readonly nextToken?: string;
  readonly limit?: number;
}

const JSON_11 = { 'content-type': 'application/x-amz-json-1.1' };
const fail = (type: string, message: string, status = 400): FakeResponse => ({ status, body: { __type: type, message }, headers: JSON_11 });

/** `$.a.b` of a parsed JSON message, or undefined. */
function select(json: unknown, path: string): unknown {
  let value = json;
  for (const key of path.split('.').slice(1)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

interface Condition {
  readonly path: string;
  readonly equal: boolean;
  readonly value: string;
}

/** `"*"` in a value is a wildcard, as in CloudWatch Logs. */
function glob(pattern: string, text: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`, 's').test(text);
}

/**
 * A term pattern (unstructured log events), as CloudWatch Logs reads it: words, or phrases in double
 * quotes (needed for anything but letters, digits and underscores; no escapes inside); every term
 * must appear (case-sensitive), `-term` must not, and when some terms are `?term` at least one of
 * those must. Matched against the whole message, JSON or not. Undefined when it cannot be parsed.
 */
function parseTermPattern(text: string): ((message: string) => boolean) | undefined {
  const all: string[] = [];
  const none: string[] = [];
  const any: string[] = [];
  const token = /\s*([?-]?)(?:"([^"]*)"|([^\s"]+))/y;
  let rest = text;
  while (rest.trim() !== '') {
    token.lastIndex = 0;
    const match = token.exec(rest);
    if (match === null) return undefined;
    const term = match[2] ?? match[3] ?? '';
    if (term === '' || (match[3] !== undefined && !/^[A-Za-z0-9_]+$/.test(term))) return undefined;
    (match[1] === '?' ? any : match[1] === '-' ? none : all).push(term);
    rest = rest.slice(token.lastIndex);
  }
  return (message) => all.every((t) => message.includes(t)) && !none.some((t) => message.includes(t)) && (any.length === 0 || any.some((t) => message.includes(t)));
}

/**
 * The subset of the filter pattern syntax the fake evaluates: empty (everything), terms (see
 * parseTermPattern), or a JSON pattern `{ $.a.b = "x" && $.c != y }` of string equalities, which
 * never matches a message that is not JSON (one cut off at the size limit, for one). Anything else
 * is refused as the service refuses a pattern it cannot parse.
 */
export function parseFilterPattern(pattern: string | undefined): ((message: string) => boolean) | undefined {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (!text.startsWith('{')) return parseTermPattern(text);
  if (!text.endsWith('}')) return undefined;
  const conditions: Condition[] = [];
  for (const part of text.slice(1, -1).split('&&')) {
    const match = /^\s*(\$(?:\.[A-Za-z0-9_-]+)+)\s*(!=|=)\s*(?:"([^"\\]*)"|([^\s"\\{}()&|]+))\s*$/.exec(part);
    if (match?.[1] === undefined || match[2] === undefined) return undefined;
    conditions.push({ path: match[1], equal: match[2] === '=', value: match[3] ?? match[4] ?? '' });
  }
  return (message) => {
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return false;
    }
    return conditions.every((c) => {
      const value = select(json, c.path);
      const seen = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
      return seen !== undefined && glob(c.value, seen) === c.equal;
    });
  };
}

const order = (a: StoredLogEvent, b: StoredLogEvent) => a.timestamp - b.timestamp || a.ingestionTime - b.ingestionTime || a.eventId.localeCompare(b.eventId);

/**
 * CloudWatch Logs' JSON protocol (awsJson1_1, `X-Amz-Target: Logs_20140328.FilterLogEvents`) for the
 * one call the activity log makes, over real HTTP so the SDK's signing, retries and error parsing run.
 * Models: log groups and streams, `logStreamNamePrefix`, `startTime`/`endTime` (ms, both ends
 * included), a subset of filter patterns, `limit`, paging through an opaque `nextToken` bound to its
 * query (small pages by default, so tests page), ingestion delay (an event is not searchable before
 * its `ingestionTime` passes the fake's clock, when one is set), and the errors the service answers.
 */
export class FakeCloudWatchLogs extends FakeHttpServer {
  private readonly groups = new Map<string, Map<string, StoredLogEvent[]>>();
  private readonly denied = new Set<string>();
  private sequence = 0;
  /** Most events per page when `limit` asks for more (the service: 10,000 or 1 MB). */
  pageSize = 5;
  /**
   * When set, each call searches only this many stored events of the window past its cursor, as
   * CloudWatch Logs does on a large group: a page can come back with no events and a next token.
   */
  scanSize: number | undefined;
  /** The fake's time in ms: events ingested later are not yet visible. Undefined: everything put is visible. */
  now: number | undefined;

  /** Creates a log group (idempotent); putEvents creates it too. */
  createLogGroup(logGroup: string): void {
    if (!this.groups.has(logGroup)) this.groups.set(logGroup, new Map());
  }

  /** Stores events in a stream of a group (both created if new); ingestionTime defaults to the event's timestamp. */
  putEvents(logGroup: string, logStream: string, events: readonly { readonly timestamp: number; readonly message: string; readonly ingestionTime?: number }[]): void {
    this.createLogGroup(logGroup);
    const streams = this.groups.get(logGroup) ?? new Map<string, StoredLogEvent[]>();
    const stored = streams.get(logStream) ?? [];
    for (const e of events) {
      this.sequence += 1;
      // Real event ids are 56 decimal digits; these sort like them (by time, then arrival).
      const eventId = `${String(e.timestamp).padStart(20, '0')}${String(this.sequence).padStart(36, '0')}`;
      stored.push({ logStreamName: logStream, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime ?? e.timestamp, eventId });
    }
    streams.set(logStream, stored);
  }

  /** Makes FilterLogEvents on this group answer AccessDeniedException (the role lacks logs:FilterLogEvents). */
  deny(logGroup: string): void {
    this.denied.add(logGroup);
  }

  /** Answers the next `times` calls with ThrottlingException (`Rate exceeded`), as the service does past its TPS quota. */
  throttleNext(times: number): void {
    this.failNext({ pathIncludes: '/', times, response: fail('ThrottlingException', 'Rate exceeded') });
  }

  /** The FilterLogEvents requests received, parsed, in order (throttled ones included). */
  filterCalls(): FilterLogEventsCall[] {
    return this.requests.filter((r) => r.headers['x-amz-target'] === 'Logs_20140328.FilterLogEvents').map((r) => JSON.parse(r.body || '{}') as FilterLogEventsCall);
  }

  protected route(request: FakeRequest): FakeResponse {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || target !== 'Logs_20140328.FilterLogEvents') return fail('UnknownOperationException', `unsupported operation ${target}`);
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) return fail('SerializationException', 'unexpected content type');
    if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return fail('MissingAuthenticationTokenException', 'request is not signed', 403);
    return this.filter(JSON.parse(request.body || '{}') as FilterLogEventsCall);
  }

  private filter(call: FilterLogEventsCall): FakeResponse {
    const group = call.logGroupName ?? '';
    if (group === '') return fail('InvalidParameterException', 'Should provide either logGroupName or logGroupIdentifier.');
    if (call.limit !== undefined && (call.limit < 1 || call.limit > 10_000)) return fail('InvalidParameterException', "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000");
    if (this.denied.has(group)) {
      return fail('AccessDeniedException', `User: arn:aws:sts::123456789012:assumed-role/kube-lease-prod/kube-lease-prod-revoke is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:eu-west-1:123456789012:log-group:${group}:log-stream: because no identity-based policy allows the logs:FilterLogEvents action`);
    }
    const streams = this.groups.get(group);
    if (streams === undefined) return fail('ResourceNotFoundException', 'The specified log group does not exist.');
    const matches = parseFilterPattern(call.filterPattern);
    if (matches === undefined) return fail('InvalidParameterException', 'Invalid filter pattern');
    const query = createHash('sha256').update(JSON.stringify([group, call.logStreamNamePrefix, call.startTime, call.endTime, call.filterPattern])).digest('hex').slice(0, 16);
    let after: [number, number, string] | undefined;
    if (call.nextToken !== undefined) {
      const token = this.readToken(call.nextToken);
      if (token?.query !== query) return fail('InvalidParameterException', 'The specified nextToken is invalid.');
      after = token.after;
    }
    const candidates = [...streams.entries()]
      .filter(([name]) => call.logStreamNamePrefix === undefined || name.startsWith(call.logStreamNamePrefix))
      .flatMap(([, events]) => events)
      .filter((e) => this.now === undefined || e.ingestionTime <= this.now)
      .filter((e) => (call.startTime === undefined || e.timestamp >= call.startTime) && (call.endTime === undefined || e.timestamp <= call.endTime))
      .sort(order)
      .filter((e) => after === undefined || order(e, { logStreamName: '', message: '', timestamp: after[0], ingestionTime: after[1], eventId: after[2] }) > 0);
    const scanned = this.scanSize === undefined ? candidates : candidates.slice(0, this.scanSize);
    const visible = scanned.filter((e) => matches(e.message));
    const page = visible.slice(0, Math.min(call.limit ?? this.pageSize, this.pageSize));
    // The cursor: the last event returned, or (a page of a scan that matched nothing) the last one searched.
    const last = page.length === visible.length ? (this.scanSize === undefined ? page[page.length - 1] : scanned[scanned.length - 1]) : page[page.length - 1];
    const more = last !== undefined && (visible.length > page.length || (this.scanSize !== undefined && candidates.length > scanned.length));
    return {
      status: 200,
      headers: JSON_11,
      body: {
        events: page.map((e) => ({ logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: e.eventId })),
        searchedLogStreams: [],
        ...(more ? { nextToken: this.writeToken(query, [last.timestamp, last.ingestionTime, last.eventId]) } : {}),
      },
    };
  }

  private writeToken(query: string, after: [number, number, string]): string {
    return `Bxkq6kVGFtq2y_Moigeqscg${Buffer.from(JSON.stringify({ query, after })).toString('base64url')}`;
  }

  private readToken(token: string): { query: string; after: [number, number, string] } | undefined {
    try {
      const parsed = JSON.parse(Buffer.from(token.replace(/^Bxkq6kVGFtq2y_Moigeqscg/, ''), 'base64url').toString('utf8')) as { query?: unknown; after?: unknown };
      const after = parsed.after;
      if (typeof parsed.query !== 'string' || !Array.isArray(after) || typeof after[0] !== 'number' || typeof after[1] !== 'number' || typeof after[2] !== 'string') return undefined;
      return { query: parsed.query, after: [after[0], after[1], after[2]] };
    } catch {
      return undefined;
    }
  }
}
