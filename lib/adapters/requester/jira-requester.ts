import * as z from 'zod';
import type { JiraCatalog } from '../../domain/catalog.js';
import type { LinkedTicket, Person } from '../../domain/ticket.js';
import { TicketSourceError } from '../../errors.js';
import { denialIn, requesterCall, type FiledRequest, type RequesterTickets, type RequestStatus } from './requester-tickets.js';

/** A requester's own Jira account: the site, their email and API token (never kube-lease's). */
export interface JiraRequesterCredentials {
  readonly baseUrl: string;
  readonly email: string;
  readonly token: string;
}

const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,49}-[1-9][0-9]{0,14}$/;
const userSchema = z.looseObject({ accountId: z.string().optional(), name: z.string().optional(), key: z.string().optional(), emailAddress: z.string().optional(), displayName: z.string().optional() });
const fieldSchema = z.array(z.looseObject({ id: z.string(), name: z.string().optional(), schema: z.looseObject({ type: z.string(), items: z.string().optional() }).optional() }));
const issueSchema = z.looseObject({ key: z.string(), fields: z.looseObject({ status: z.looseObject({ name: z.string() }), created: z.string().optional() }) });
const commentsSchema = z.looseObject({ comments: z.array(z.looseObject({ body: z.unknown() })) });
const searchSchema = z.looseObject({ issues: z.array(issueSchema) });
const errorSchema = z.looseObject({ errorMessages: z.array(z.string()).optional(), errors: z.record(z.string(), z.string()).optional() });

/** A custom field's value as text: plain, `{ value }` (select), or a list of either. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return text(value[0]);
  const named = z.looseObject({ value: z.string().optional(), name: z.string().optional() }).safeParse(value);
  return named.success ? (named.data.value ?? named.data.name) : undefined;
}

function list(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  const parts = Array.isArray(value) ? value.map(text) : (text(value) ?? '').split(/[\s,;]+/);
  const found = parts.filter((p): p is string => p !== undefined && p.trim() !== '');
  return found.length > 0 ? found : undefined;
}

/** A value in the shape the field's type takes: select options as `{ value }`, lists as arrays, numbers as numbers. */
function shaped(schema: { type: string; items?: string | undefined } | undefined, value: string | readonly string[]): unknown {
  const values = typeof value === 'string' ? [value] : [...value];
  if (schema?.type === 'array') return values.map((v) => (schema.items === 'option' ? { value: v } : v));
  const one = values.join(schema === undefined ? ',' : ' ');
  if (schema?.type === 'option') return { value: one };
  if (schema?.type === 'number' && /^\d+(\.\d+)?$/.test(one)) return Number(one);
  return one;
}

/** Jira's comment body: wiki text (v2) with kube-lease's `{noformat}` wrapping. */
function commentText(body: unknown): string {
  const raw = typeof body === 'string' ? body : '';
  return /^\{noformat\}([\s\S]*)\{noformat\}$/.exec(raw)?.[1] ?? raw;
}

/**
 * Jira REST API v2 with the requester's own email and API token: `myself`, `field` (to shape
 * values by field type), create an issue, link it, read it, and search the requester's own issues.
 */
export class JiraRequester implements RequesterTickets {
  readonly source = 'jira' as const;
  constructor(
    private readonly credentials: JiraRequesterCredentials,
    private readonly mapping: JiraCatalog,
  ) {}

  private url(key: string): string {
    return `${this.credentials.baseUrl.replace(/\/+$/, '')}/browse/${key}`;
  }

  private async call(method: string, path: string, what: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const { baseUrl, email, token } = this.credentials;
    const response = await requesterCall('Jira', baseUrl, { user: email, secret: token }, { method, path, what, body });
    const { json, raw } = response;
    if (response.ok || response.status === 404) return { status: response.status, json };
    if (response.status === 401) throw new TicketSourceError(`Jira did not accept your credentials (${email} and your API token) while ${what}: check KUBE_LEASE_JIRA_EMAIL and KUBE_LEASE_JIRA_TOKEN`, 401);
    const parsed = errorSchema.safeParse(json);
    const names = Object.fromEntries(Object.entries(this.mapping.fields).map(([name, id]) => [id, name]));
    const detail = parsed.success
      ? [...(parsed.data.errorMessages ?? []), ...Object.entries(parsed.data.errors ?? {}).map(([field, message]) => `${field}${names[field] === undefined ? '' : ` (${names[field]})`}: ${message}`)].join('; ')
      : raw.slice(0, 200);
    throw new TicketSourceError(`Jira answered ${response.status} while ${what}: ${detail || '(no detail)'}`, response.status);
  }

  async whoami(): Promise<Person> {
    const { json } = await this.call('GET', '/rest/api/2/myself', 'reading your account');
    const user = userSchema.safeParse(json);
    const id = user.success ? (user.data.accountId ?? user.data.name ?? user.data.key) : undefined;
    if (!user.success || id === undefined) throw new TicketSourceError('Jira answered /myself with no account', undefined);
    return { id, email: user.data.emailAddress || undefined, displayName: user.data.displayName };
  }

  async linkedTicket(key: string): Promise<LinkedTicket | undefined> {
    if (!ISSUE_KEY.test(key)) return undefined;
    const { status, json } = await this.call('GET', `/rest/api/2/issue/${key}?fields=status`, `reading ${key}`);
    const issue = issueSchema.safeParse(json);
    return status === 404 || !issue.success ? undefined : { key: issue.data.key, status: issue.data.fields.status.name };
  }

  async file(request: FiledRequest, requester: Person): Promise<{ key: string; url: string }> {
    const { fields: map } = this.mapping;
    const { json: fieldList } = await this.call('GET', '/rest/api/2/field', 'reading the field types');
    const parsed = fieldSchema.safeParse(fieldList);
    const schemas = new Map((parsed.success ? parsed.data : []).map((f) => [f.id, f.schema]));
    const fields: Record<string, unknown> = {
      project: { key: request.project },
      issuetype: { name: request.issueType ?? 'Task' },
      summary: request.title,
    };
    fields[map.profile] = shaped(schemas.get(map.profile), request.profile);
    if (map.duration !== undefined && request.duration !== undefined) fields[map.duration] = shaped(schemas.get(map.duration), request.duration);
    if (map.namespaces !== undefined && request.namespaces !== undefined) fields[map.namespaces] = shaped(schemas.get(map.namespaces), request.namespaces);
    fields[map.justification] = map.justification === 'summary' ? request.justification.slice(0, 254) : shaped(schemas.get(map.justification), request.justification);
    // The reporter is whoever creates the issue; another requester field names the requester explicitly.
    if (map.requester !== 'reporter') fields[map.requester] = /^[0-9a-f:-]{10,}$/i.test(requester.id) ? { accountId: requester.id } : { name: requester.id };
    const { json } = await this.call('POST', '/rest/api/2/issue', 'creating the issue', { fields });
    const created = z.looseObject({ key: z.string() }).safeParse(json);
    if (!created.success || !ISSUE_KEY.test(created.data.key)) throw new TicketSourceError('Jira created an issue but answered without its key', undefined);
    const key = created.data.key;
    if (request.link !== undefined) {
      await this.call('POST', '/rest/api/2/issueLink', `linking ${key} to ${request.link.key}`, { type: { name: 'Relates' }, inwardIssue: { key }, outwardIssue: { key: request.link.key } });
    }
    return { key, url: this.url(key) };
  }

  private statusOf(raw: z.infer<typeof issueSchema>, denial: string | undefined): RequestStatus {
    const { fields: map } = this.mapping;
    const fields: Record<string, unknown> = raw.fields;
    const name = raw.fields.status.name;
    const state = this.mapping.closedStatuses.includes(name) ? 'closed' : denial !== undefined ? 'denied' : this.mapping.approvedStatuses.includes(name) ? 'approved' : 'open';
    return {
      key: raw.key,
      url: this.url(raw.key),
      state,
      statusText: name,
      profile: text(fields[map.profile]),
      namespaces: map.namespaces === undefined ? undefined : list(fields[map.namespaces]),
      duration: map.duration === undefined ? undefined : text(fields[map.duration]),
      reason: denial,
      created: raw.fields.created,
    };
  }

  async status(key: string): Promise<RequestStatus> {
    if (!ISSUE_KEY.test(key)) throw new TicketSourceError(`"${key.slice(0, 40)}" is not a Jira issue key (such as OPS-123)`, undefined);
    const wanted = ['status', 'created', ...Object.values(this.mapping.fields).filter((f): f is string => f !== undefined)].join(',');
    const { status, json } = await this.call('GET', `/rest/api/2/issue/${key}?fields=${wanted}`, `reading ${key}`);
    const issue = issueSchema.safeParse(json);
    if (status === 404 || !issue.success) throw new TicketSourceError(`Jira shows no issue ${key} to you`, status);
    // kube-lease's last word on the ticket decides: a later grant comment follows an earlier denial.
    const { json: commentJson } = await this.call('GET', `/rest/api/2/issue/${key}/comment?orderBy=created&maxResults=100`, `reading the comments of ${key}`);
    const comments = commentsSchema.safeParse(commentJson);
    const last = comments.success ? comments.data.comments.at(-1) : undefined;
    return this.statusOf(issue.data, last === undefined ? undefined : denialIn(commentText(last.body)));
  }

  async mine(): Promise<RequestStatus[]> {
    const { fields: map } = this.mapping;
    const jqlField = (id: string) => (/^customfield_\d+$/.test(id) ? `cf[${id.slice('customfield_'.length)}]` : id);
    const jql = `${jqlField(map.requester)} = currentUser() AND ${jqlField(map.profile)} is not EMPTY ORDER BY created DESC`;
    const fields = ['status', 'created', ...Object.values(map).filter((f): f is string => f !== undefined)].join(',');
    const query = new URLSearchParams({ jql, fields, maxResults: '50' });
    // Jira Cloud's search is /search/jql (the old /search is gone there); Server/DC have only /search.
    let answer = await this.call('GET', `/rest/api/2/search/jql?${query}`, 'searching your requests');
    if (answer.status === 404) answer = await this.call('GET', `/rest/api/2/search?${query}`, 'searching your requests');
    const found = searchSchema.safeParse(answer.json);
    if (!found.success) throw new TicketSourceError('Jira answered the search with no issues list', answer.status);
    return found.data.issues.map((i) => this.statusOf(i, undefined)).filter((s) => s.state !== 'closed');
  }
}
