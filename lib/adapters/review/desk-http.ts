import { TicketSourceError } from '../../errors.js';

/** How long one call to the review desk may take (uploads included). */
const TIMEOUT_MS = 30_000;

/** What the desk answered: status, body bytes and the body as JSON (undefined when none or not JSON). */
export interface DeskAnswer {
  readonly status: number;
  readonly bytes: Uint8Array;
  readonly json: unknown;
}

export interface DeskRequest {
  readonly method: string;
  readonly path: string;
  /** What was being done, for errors: `open the review issue`. */
  readonly what: string;
  /** JSON (sent as such), a multipart form, or raw bytes with `contentType`. */
  readonly body?: unknown;
  readonly contentType?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Statuses that are answers, not failures (e.g. 404 for a lookup). */
  readonly accept?: readonly number[] | undefined;
}

const WHY: Readonly<Record<number, string>> = {
  401: 'the credentials were refused',
  403: 'the integration account may not do this (permission, or attachments disabled)',
  413: 'a file is larger than the ticket system accepts',
};

/**
 * One call to the review desk with kube-lease's integration account (Basic auth). A call that gets
 * no answer is a retryable TicketSourceError; an answer outside 2xx (and `accept`) is a
 * TicketSourceError with its status, saying what was refused, retryable only for 429 and 5xx.
 */
export async function deskCall(system: string, baseUrl: string, credentials: { readonly user: string; readonly secret: string }, request: DeskRequest): Promise<DeskAnswer> {
  const { method, path, what, body } = request;
  const isJson = body !== undefined && !(body instanceof FormData) && !(body instanceof Uint8Array);
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.secret}`).toString('base64')}`,
        ...(isJson ? { 'content-type': 'application/json' } : request.contentType === undefined ? {} : { 'content-type': request.contentType }),
        ...request.headers,
      },
      body: body === undefined ? undefined : isJson ? JSON.stringify(body) : (body as FormData | Uint8Array),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new TicketSourceError(`could not reach ${system} to ${what}: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error, retryable: true });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  let json: unknown;
  try {
    json = bytes.length === 0 ? undefined : JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    json = undefined;
  }
  if (!response.ok && !(request.accept ?? []).includes(response.status)) {
    const said = new TextDecoder().decode(bytes.slice(0, 300)).replace(/\s+/g, ' ');
    throw new TicketSourceError(`${system} answered ${response.status} to ${what}${WHY[response.status] === undefined ? '' : ` (${WHY[response.status]})`}: ${said || '(empty body)'}`, response.status, {
      retryable: response.status === 429 || response.status >= 500,
    });
  }
  return { status: response.status, bytes, json };
}
