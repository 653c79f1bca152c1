import * as z from 'zod';

/**
 * The request function we hand to jira-client (its documented `request` option). jira-client's
 * own one drops the HTTP status, and its `doRequest` re-throws every rejection as
 * `new Error(JSON.stringify(rejection))`; so we reject with a plain, serialisable object and
 * read it back with `parseJiraFailure`. Uses Node's fetch, with TLS verification always on.
 */
export interface JiraRequestOptions {
  readonly method?: string;
  readonly uri: string;
  readonly body?: unknown;
  readonly auth?: { readonly user?: string; readonly pass?: string; readonly bearer?: string };
  readonly timeout?: number;
}

export const jiraFailureSchema = z.object({
  jiraFailure: z.literal(true),
  statusCode: z.number().optional(),
  retryAfterSeconds: z.number().optional(),
  message: z.string(),
});
export type JiraFailure = z.infer<typeof jiraFailureSchema>;

const DEFAULT_TIMEOUT_MS = 10_000;

export async function jiraRequest(options: JiraRequestOptions): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.auth?.bearer !== undefined) headers.authorization = `Bearer ${options.auth.bearer}`;
  else if (options.auth?.user !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.pass ?? ''}`).toString('base64')}`;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(options.uri, {
      method: options.method ?? 'GET',
      headers,
      body,
      redirect: 'follow',
      signal: AbortSignal.timeout(options.timeout ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    return Promise.reject(failure(undefined, `request to Jira failed: ${error instanceof Error ? error.message : String(error)}`));
  }
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return Promise.reject(
      failure(response.status, `Jira answered ${response.status}: ${jiraErrorText(parsed, text)}`, Number.isFinite(retryAfter) ? retryAfter : undefined),
    );
  }
  return parsed;
}

function failure(statusCode: number | undefined, message: string, retryAfterSeconds?: number): JiraFailure {
  return { jiraFailure: true, statusCode, message, retryAfterSeconds };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Jira error bodies: `{ errorMessages: [...], errors: { field: message } }`. */
function jiraErrorText(body: unknown, raw: string): string {
  const shape = z.object({ errorMessages: z.array(z.string()).optional(), errors: z.record(z.string(), z.string()).optional() });
  const result = shape.safeParse(body);
  if (result.success) {
    const parts = [...(result.data.errorMessages ?? []), ...Object.entries(result.data.errors ?? {}).map(([k, v]) => `${k}: ${v}`)];
    if (parts.length > 0) return parts.join('; ').slice(0, 500);
  }
  return raw.slice(0, 200) || '(empty body)';
}

/** Reads back what `jiraRequest` rejected with, through jira-client's wrapping. */
export function parseJiraFailure(error: unknown): JiraFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  try {
    const result = jiraFailureSchema.safeParse(JSON.parse(error.message));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
