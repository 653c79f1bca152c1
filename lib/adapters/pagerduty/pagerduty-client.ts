import * as z from 'zod';
import { remainingTime } from '../../deadline.js';
import { OnCallLookupError } from '../../errors.js';

/** How the client waits and gives up; every wait also stays inside the invocation's deadline. */
export interface PagerDutyClientOptions {
  /** Attempts per request, the first included. */
  readonly attempts: number;
  /** First back-off after a 5xx or network failure; doubles each attempt. */
  readonly baseDelayMs: number;
  /** Longest single wait; a 429 whose `ratelimit-reset` asks for more gives up at once. */
  readonly maxDelayMs: number;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  /** Most pages one listing reads (PagerDuty caps offset paging at 10,000 records anyway). */
  readonly maxPages: number;
  /** Records per page asked for (PagerDuty allows at most 100). */
  readonly pageSize?: number;
  readonly remainingMs?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_PAGERDUTY_OPTIONS: PagerDutyClientOptions = { attempts: 3, baseDelayMs: 200, maxDelayMs: 5_000, timeoutMs: 5_000, maxPages: 5 };

/** PagerDuty's error body: `{ "error": { "message", "code", "errors": [...] } }`. */
const errorBody = z.looseObject({ error: z.looseObject({ message: z.string().optional(), code: z.number().optional(), errors: z.array(z.string()).optional() }) });
/** Classic (offset) pagination of every list endpoint. */
const page = z.looseObject({ limit: z.number().int().positive(), offset: z.number().int().min(0), more: z.boolean() });

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const PAGE_SIZE = 100;

/**
 * The few REST API v2 reads kube-lease makes (GET /users, /oncalls, /incidents). Written on fetch
 * rather than @pagerduty/pdjs, whose requests wait a fixed 20 s on every 429 (three times, ignoring
 * `ratelimit-reset` and any deadline) and whose `all()` pages without a bound: neither fits a
 * webhook that must answer within API Gateway's 29 s. Here a 429 waits what `ratelimit-reset`
 * says (PagerDuty sends no Retry-After) only if that fits the time left, and listings stop after
 * `maxPages` pages, which is an error, never a partial answer.
 */
export class PagerDutyClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: () => Promise<string>,
    private readonly options: PagerDutyClientOptions = DEFAULT_PAGERDUTY_OPTIONS,
  ) {}

  /** Every record of a list endpoint (`key`: the array's name), following `limit`/`offset`/`more`. */
  async list(path: string, key: string, params: readonly (readonly [string, string])[]): Promise<unknown[]> {
    const records: unknown[] = [];
    let offset = 0;
    for (let pageNo = 1; ; pageNo += 1) {
      const query = new URLSearchParams([...params.map(([k, v]): [string, string] => [k, v]), ['limit', String(this.options.pageSize ?? PAGE_SIZE)], ['offset', String(offset)]]);
      const body = await this.get(`${path}?${query}`);
      const paging = page.safeParse(body);
      const items = z.looseObject({ [key]: z.array(z.unknown()) }).safeParse(body);
      if (!paging.success || !items.success) throw new OnCallLookupError(`PagerDuty GET ${path} answered without ${key} and paging`, 200);
      const list = items.data[key] as unknown[];
      records.push(...list);
      if (!paging.data.more || list.length === 0) return records;
      if (pageNo >= this.options.maxPages) throw new OnCallLookupError(`PagerDuty GET ${path} has more than ${this.options.maxPages} pages; narrow the profile's onCall`, 200);
      offset = paging.data.offset + list.length;
    }
  }

  private async get(pathAndQuery: string): Promise<unknown> {
    const { attempts, baseDelayMs, maxDelayMs } = this.options;
    const sleep = this.options.sleep ?? realSleep;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.once(pathAndQuery);
      } catch (error) {
        if (!(error instanceof OnCallLookupError) || !isWorthRetrying(error) || attempt >= attempts) throw error;
        const delay = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        const left = this.options.remainingMs?.() ?? remainingTime();
        if (delay > maxDelayMs || left - delay < 1_000) throw error;
        await sleep(delay);
      }
    }
  }

  private async once(pathAndQuery: string): Promise<unknown> {
    const what = `GET ${pathAndQuery.split('?')[0] ?? pathAndQuery}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${pathAndQuery}`, {
        headers: { accept: 'application/vnd.pagerduty+json;version=2', authorization: `Token token=${await this.apiKey()}` },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      if (error instanceof OnCallLookupError) throw error;
      throw new OnCallLookupError(`PagerDuty ${what} failed: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const parsed = errorBody.safeParse(json);
      const message = parsed.success ? `${parsed.data.error.message ?? ''}${parsed.data.error.code === undefined ? '' : ` (code ${parsed.data.error.code})`}` : '';
      const reset = Number(response.headers.get('ratelimit-reset'));
      throw new OnCallLookupError(`PagerDuty answered ${response.status} to ${what}: ${message || '(no error body)'}`, response.status, {
        retryAfterSeconds: response.status === 429 && Number.isFinite(reset) && reset >= 0 ? reset : undefined,
      });
    }
    if (json === undefined) throw new OnCallLookupError(`PagerDuty answered ${what} with no JSON body`, response.status);
    return json;
  }
}

/** 429, 5xx and network failures may pass; 4xx (a wrong key, a missing permission) will not. */
function isWorthRetrying(error: OnCallLookupError): boolean {
  return error.statusCode === undefined || error.statusCode === 429 || error.statusCode >= 500;
}
