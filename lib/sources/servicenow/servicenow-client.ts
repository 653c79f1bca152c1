import * as z from 'zod';
import { TicketNotFoundError, TicketSourceError } from '../../errors.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../retry.js';

export interface ServiceNowCredentials {
  readonly instanceUrl: string;
  readonly user: string;
  readonly password: string;
}

/** ServiceNow's error body: `{ "error": { "message", "detail" }, "status": "failure" }`. */
const errorBody = z.looseObject({ error: z.looseObject({ message: z.string().optional(), detail: z.string().nullable().optional() }) });
const resultBody = z.looseObject({ result: z.unknown() });

const TIMEOUT_MS = 10_000;

/**
 * The few Table API calls kube-lease makes (no client library covers them better than fetch):
 * GET a record, GET records by query, POST a record, PATCH a record. Basic auth, JSON, TLS verification on.
 */
export class ServiceNowClient {
  constructor(
    private readonly credentials: () => Promise<ServiceNowCredentials>,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** `GET /api/now/table/{table}/{sys_id}`; TicketNotFoundError on 404. */
  async getRecord(table: string, sysId: string, fields: readonly string[]): Promise<unknown> {
    const query = new URLSearchParams({ sysparm_fields: fields.join(','), sysparm_exclude_reference_link: 'true', sysparm_display_value: 'false' });
    return this.call('GET', `/api/now/table/${table}/${encodeURIComponent(sysId)}?${query}`, `${table} ${sysId}`);
  }

  /** `GET /api/now/table/{table}?sysparm_query=…`; returns the result list. */
  async query(table: string, encodedQuery: string, fields: readonly string[], limit = 100): Promise<unknown> {
    const query = new URLSearchParams({
      sysparm_query: encodedQuery,
      sysparm_fields: fields.join(','),
      sysparm_exclude_reference_link: 'true',
      sysparm_display_value: 'false',
      sysparm_limit: String(limit),
    });
    return this.call('GET', `/api/now/table/${table}?${query}`, table);
  }

  /** `PATCH /api/now/table/{table}/{sys_id}` with the given fields. */
  async patch(table: string, sysId: string, body: Record<string, string>): Promise<void> {
    await this.call('PATCH', `/api/now/table/${table}/${encodeURIComponent(sysId)}`, `${table} ${sysId}`, body);
  }

  /**
   * `POST /api/now/table/{table}` (201 with the record as `result`); returns the record. Never
   * retried here: a retry after a lost answer could create a second record (callers find it first).
   */
  async create(table: string, body: Record<string, string>): Promise<unknown> {
    return this.once('POST', `/api/now/table/${table}`, `new ${table}`, body);
  }

  /** 429 (honouring Retry-After), 5xx and network failures are retried with back-off. */
  private call(method: string, path: string, what: string, body?: Record<string, string>): Promise<unknown> {
    return withRetry(() => this.once(method, path, what, body), this.retry);
  }

  private async once(method: string, path: string, what: string, body?: Record<string, string>): Promise<unknown> {
    const { instanceUrl, user, password } = await this.credentials();
    let response: Response;
    try {
      response = await fetch(`${instanceUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new TicketSourceError(`ServiceNow ${method} ${what} failed: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error, retryable: true });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.status === 404) throw new TicketNotFoundError(what);
    if (!response.ok) {
      const parsed = errorBody.safeParse(json);
      const message = parsed.success ? [parsed.data.error.message, parsed.data.error.detail].filter(Boolean).join(': ') : text.slice(0, 200);
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new TicketSourceError(`ServiceNow answered ${response.status} to ${method} ${what}: ${message || '(empty body)'}`, response.status, {
        retryable: response.status === 429 || response.status >= 500,
        retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      });
    }
    const parsed = resultBody.safeParse(json);
    if (!parsed.success) {
      if (method === 'PATCH') return undefined;
      throw new TicketSourceError(`ServiceNow returned no result for ${method} ${what}`, response.status);
    }
    return parsed.data.result;
  }
}
