import * as z from 'zod';
import type { PackFile } from '../../domain/review-digest.js';
import { TicketNotFoundError, TicketSourceError } from '../../errors.js';
import type { FiledTicket, ReviewDesk, ReviewTicketState } from '../../ports/review-desk.js';
import { deskCall, type DeskRequest } from './desk-http.js';

/** Where and how review packs are filed in Jira. */
export interface JiraDeskSettings {
  readonly baseUrl: string;
  readonly email: string;
  readonly apiToken: () => Promise<string>;
  readonly project: string;
  readonly issueType: string;
  /** Statuses that are a sign-off. */
  readonly doneStatuses: readonly string[];
  /** The issue link type between a finding and its review (`Relates`). */
  readonly linkType: string;
}

const created = z.looseObject({ id: z.string(), key: z.string() });
const account = z.looseObject({ accountId: z.string().optional(), name: z.string().optional(), key: z.string().optional() });
const search = z.looseObject({ issues: z.array(z.looseObject({ key: z.string(), fields: z.looseObject({ creator: account.nullable().optional() }).optional() })) });
/** An account's id: Cloud's accountId, Server/DC's name or key. */
const idOf = (a: z.infer<typeof account> | null | undefined) => a?.accountId ?? a?.name ?? a?.key;
const issue = z.looseObject({
  key: z.string(),
  fields: z.looseObject({
    status: z.looseObject({ name: z.string() }),
    description: z.string().nullable().optional(),
    attachment: z.array(z.looseObject({ id: z.string(), filename: z.string(), mimeType: z.string().optional() })).optional(),
  }),
  changelog: z.looseObject({ histories: z.array(z.looseObject({ created: z.string(), author: z.looseObject({ displayName: z.string().optional(), emailAddress: z.string().optional(), accountId: z.string().optional() }).optional(), items: z.array(z.looseObject({ field: z.string(), toString: z.string().nullable().optional() })) })) }).optional(),
});
const comments = z.looseObject({ comments: z.array(z.looseObject({ body: z.unknown() })) });

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new TicketSourceError(`Jira's answer to ${what} is not what its API documents`, undefined, { cause: result.error });
  return result.data;
}

const jql = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`;

/**
 * Review packs in Jira (REST API v2): an issue of the configured type in the configured project,
 * labelled `kube-lease-review-<period>` (how a rerun finds it: only one its own account created), the pack attached (multipart, with
 * `X-Atlassian-Token: no-check`), findings as issues labelled with their id and linked to it.
 */
export function makeJiraReviewDesk(s: JiraDeskSettings): ReviewDesk {
  const call = async (request: DeskRequest) => deskCall('Jira', s.baseUrl, { user: s.email, secret: await s.apiToken() }, request);
  const url = (key: string) => `${s.baseUrl.replace(/\/+$/, '')}/browse/${encodeURIComponent(key)}`;
  let me: Promise<string | undefined> | undefined;
  /** kube-lease's own account (GET /myself), read once. */
  const self = () => (me ??= call({ method: 'GET', path: '/rest/api/2/myself', what: 'read its own account' }).then((a) => idOf(parsed(account, a.json, 'read its own account'))));
  /** Issues with the label: the first one kube-lease's own account created (`creator`, set by Jira), and the others. */
  const byLabel = async (label: string, what: string): Promise<{ own?: FiledTicket; planted: FiledTicket[] }> => {
    const query = new URLSearchParams({ jql: `project = ${jql(s.project)} AND labels = ${jql(label)} ORDER BY created ASC`, fields: 'summary,creator', maxResults: '20' });
    const issues = parsed(search, (await call({ method: 'GET', path: `/rest/api/2/search/jql?${query}`, what })).json, what).issues;
    const mine = issues.length === 0 ? undefined : await self();
    const ownIssue = issues.find((i) => mine !== undefined && idOf(i.fields?.creator) === mine);
    const ticket = (key: string) => ({ key, url: url(key) });
    return { ...(ownIssue === undefined ? {} : { own: ticket(ownIssue.key) }), planted: issues.filter((i) => i !== ownIssue).map((i) => ticket(i.key)) };
  };
  const create = async (fields: Record<string, unknown>, what: string): Promise<FiledTicket> => {
    const answer = await call({ method: 'POST', path: '/rest/api/2/issue', what, body: { fields: { project: { key: s.project }, issuetype: { name: s.issueType }, ...fields } } });
    const { key } = parsed(created, answer.json, what);
    return { key, url: url(key) };
  };

  return {
    system: 'jira',
    find: (period) => byLabel(`kube-lease-review-${period}`, `find the review issue of ${period}`),
    open: ({ period, title, description }) => create({ summary: title, description, labels: [`kube-lease-review-${period}`] }, `open the review issue of ${period}`),
    async attach(key: string, files: readonly PackFile[]): Promise<void> {
      const form = new FormData();
      for (const f of files) form.append('file', new Blob([Buffer.from(f.bytes)], { type: f.contentType }), f.name);
      const what = `attach the pack to ${key}`;
      const answer = await call({ method: 'POST', path: `/rest/api/2/issue/${encodeURIComponent(key)}/attachments`, what, body: form, headers: { 'X-Atlassian-Token': 'no-check' } });
      const list = z.array(z.looseObject({ filename: z.string() })).safeParse(answer.json);
      const names = list.success ? list.data.map((a) => a.filename) : [];
      const missing = files.filter((f) => !names.includes(f.name));
      if (missing.length > 0) throw new TicketSourceError(`Jira did not list ${missing.map((f) => f.name).join(', ')} among the attachments it added to ${key}`, answer.status);
    },
    async read(key: string): Promise<ReviewTicketState> {
      const what = `read the review issue ${key}`;
      const answer = await call({ method: 'GET', path: `/rest/api/2/issue/${encodeURIComponent(key)}?fields=status,description,attachment&expand=changelog`, what, accept: [404] });
      if (answer.status === 404) throw new TicketNotFoundError(key);
      const i = parsed(issue, answer.json, what);
      const signedOff = s.doneStatuses.includes(i.fields.status.name);
      const last = [...(i.changelog?.histories ?? [])].reverse().find((h) => h.items.some((item) => item.field === 'status' && s.doneStatuses.includes(item.toString ?? '')));
      const files: PackFile[] = [];
      for (const a of i.fields.attachment ?? []) {
        const content = await call({ method: 'GET', path: `/rest/api/2/attachment/content/${encodeURIComponent(a.id)}`, what: `download ${a.filename} from ${key}` });
        files.push({ name: a.filename, contentType: a.mimeType ?? 'application/octet-stream', bytes: content.bytes });
      }
      const by = last?.author === undefined ? undefined : (last.author.emailAddress ?? last.author.displayName ?? last.author.accountId);
      return { key: i.key, url: url(i.key), status: i.fields.status.name, signedOff, signedOffBy: signedOff ? by : undefined, signedOffAt: signedOff ? last?.created : undefined, description: i.fields.description ?? '', files };
    },
    async note(key: string, marker: string, text: string): Promise<'added' | 'present'> {
      const what = `note the sign-off on ${key}`;
      const existing = parsed(comments, (await call({ method: 'GET', path: `/rest/api/2/issue/${encodeURIComponent(key)}/comment?maxResults=100`, what })).json, what);
      if (existing.comments.some((c) => typeof c.body === 'string' && c.body.startsWith(marker))) return 'present';
      await call({ method: 'POST', path: `/rest/api/2/issue/${encodeURIComponent(key)}/comment`, what, body: { body: text } });
      return 'added';
    },
    async finding(key, finding) {
      const label = `kube-lease-finding-${finding.id}`;
      const found = (await byLabel(label, `find the finding ${finding.id}`)).own;
      if (found !== undefined) return { ...found, created: false };
      const opened = await create({ summary: finding.title, description: finding.text, labels: [label] }, `open a finding of ${key}`);
      await call({ method: 'POST', path: '/rest/api/2/issueLink', what: `link ${opened.key} to ${key}`, body: { type: { name: s.linkType }, inwardIssue: { key: opened.key }, outwardIssue: { key } } });
      return { ...opened, created: true };
    },
  };
}
