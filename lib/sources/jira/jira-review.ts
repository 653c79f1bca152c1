import type JiraApi from 'jira-client';
import * as z from 'zod';
import type { JiraReviewSettings } from '../../domain/catalog.js';
import { TicketSourceError } from '../../errors.js';
import type { ReviewTaskRef, ReviewTaskRequest, ReviewTaskSystem } from '../../ports/review-tasks.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../retry.js';
import { parseJiraFailure } from './jira-request.js';
import { asJiraPlainText } from './jira-ticket-source.js';

/** The jira-client calls review tasks make. */
export type JiraReviewClient = Pick<JiraApi, 'addNewIssue' | 'addWatcher' | 'addComment' | 'genericGet'>;

/** `POST /rest/api/2/issue` answers 201 `{ id, key, self }`. */
const createdSchema = z.looseObject({ id: z.string(), key: z.string() });
/** Both searches (`search/jql` on Cloud, `search` on Server/DC) answer `{ issues: [{ id, key, … }] }`. */
const searchSchema = z.looseObject({ issues: z.array(z.looseObject({ id: z.string(), key: z.string() })) });
const statusSchema = z.looseObject({ fields: z.looseObject({ status: z.looseObject({ statusCategory: z.looseObject({ key: z.string() }) }) }) });
const usersSchema = z.array(z.looseObject({ accountId: z.string().optional(), name: z.string().optional(), emailAddress: z.string().optional() }));
const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,49}-[1-9][0-9]{0,14}$/;
const MARKER = /^[a-z0-9-]+$/;

/**
 * Review tasks as Jira issues in the catalog's `jira.review` project: labelled with the lease's
 * marker (found again by a JQL search on it), the lease's ticket linked (`linkType`) and named in
 * the description, the profile's approvers made watchers. Description and comments are plain text
 * (one `{noformat}` block): ticket-derived text never becomes a live link or macro.
 */
export class JiraReviewTasks implements ReviewTaskSystem {
  constructor(
    private readonly client: () => Promise<JiraReviewClient>,
    private readonly settings: JiraReviewSettings,
    private readonly baseUrl: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async find(marker: string): Promise<ReviewTaskRef | undefined> {
    if (!MARKER.test(marker)) throw new TicketSourceError(`not a review marker: ${marker.slice(0, 60)}`, undefined);
    const jql = encodeURIComponent(`project = "${this.settings.project}" AND labels = "${marker}"`);
    let raw: unknown;
    try {
      // Jira Cloud's search (the older `search` is gone there); Server/DC knows only `search`.
      raw = await this.call(async () => (await this.client()).genericGet(`search/jql?jql=${jql}&fields=status&maxResults=2`), 'searching for the review task');
    } catch (error) {
      if (!(error instanceof TicketSourceError) || (error.statusCode !== 404 && error.statusCode !== 410)) throw error;
      raw = await this.call(async () => (await this.client()).genericGet(`search?jql=${jql}&fields=status&maxResults=2`), 'searching for the review task');
    }
    const parsed = searchSchema.safeParse(raw);
    if (!parsed.success) throw new TicketSourceError('Jira returned a search result of unexpected shape', undefined, { cause: parsed.error });
    const issue = parsed.data.issues[0];
    return issue === undefined ? undefined : this.ref(issue.id, issue.key);
  }

  async open(request: ReviewTaskRequest): Promise<ReviewTaskRef> {
    const { lease, content, marker } = request;
    const link = this.settings.linkType === undefined ? {} : { update: { issuelinks: [{ add: { type: { name: this.settings.linkType }, outwardIssue: { key: lease.ticketKey } } }] } };
    const raw: unknown = await this.call(
      async () =>
        (await this.client()).addNewIssue({
          fields: { project: { key: this.settings.project }, issuetype: { name: this.settings.issueType }, summary: content.summary, description: asJiraPlainText(content.description), labels: [marker, 'kube-lease-review'] },
          ...link,
        }),
      'creating the review task',
      // Never retried: a retry after a lost answer could create a second issue (the next attempt searches first).
      { ...this.retry, attempts: 1 },
    );
    const parsed = createdSchema.safeParse(raw);
    if (!parsed.success || !ISSUE_KEY.test(parsed.data.key)) throw new TicketSourceError('Jira answered the issue creation with an unexpected body', undefined, { cause: parsed.error });
    return this.ref(parsed.data.id, parsed.data.key);
  }

  /** Each approver in turn (adding a watcher twice is harmless); one that fails does not stop the others. */
  async notify(task: ReviewTaskRef, request: ReviewTaskRequest): Promise<void> {
    const failed: string[] = [];
    for (const approver of request.approvers) {
      try {
        const watcher = approver.includes('@') ? await this.accountOf(approver) : approver;
        if (watcher === undefined) failed.push(`${approver}: no account with exactly that email`);
        else await this.call(async () => (await this.client()).addWatcher(task.key, watcher), `adding a watcher to ${task.key}`);
      } catch (error) {
        failed.push(`${approver}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failed.length > 0) throw new TicketSourceError(`Jira: some approvers are not watching ${task.key}: ${failed.join('; ')}`, undefined);
  }

  async comment(task: ReviewTaskRef, text: string): Promise<void> {
    await this.call(async () => (await this.client()).addComment(task.key, asJiraPlainText(text)), `commenting on ${task.key}`);
  }

  async isDone(task: ReviewTaskRef): Promise<boolean> {
    const raw: unknown = await this.call(async () => (await this.client()).genericGet(`issue/${encodeURIComponent(task.key)}?fields=status`), `reading ${task.key}`);
    const parsed = statusSchema.safeParse(raw);
    if (!parsed.success) throw new TicketSourceError(`Jira returned ${task.key} in an unexpected shape`, undefined, { cause: parsed.error });
    return parsed.data.fields.status.statusCategory.key === 'done';
  }

  /** An approver named by email: the account with exactly that email (Cloud: accountId; Server/DC: name). */
  private async accountOf(email: string): Promise<string | undefined> {
    const raw: unknown = await this.call(async () => (await this.client()).genericGet(`user/search?query=${encodeURIComponent(email)}`), 'looking up an approver');
    const parsed = usersSchema.safeParse(raw);
    const match = parsed.success ? parsed.data.filter((u) => u.emailAddress?.toLowerCase() === email.toLowerCase()) : [];
    return match.length === 1 ? (match[0]?.accountId ?? match[0]?.name) : undefined;
  }

  private ref(id: string, key: string): ReviewTaskRef {
    return { system: 'jira', id, key, url: `${this.baseUrl.replace(/\/+$/, '')}/browse/${key}` };
  }

  /** One Jira call: 429, 5xx and network failures retried with back-off; every failure a TicketSourceError. */
  private call<T>(work: () => Promise<T>, action: string, retry: RetryPolicy = this.retry): Promise<T> {
    return withRetry(async () => {
      try {
        return await work();
      } catch (error) {
        const failure = parseJiraFailure(error);
        const status = failure?.statusCode;
        throw new TicketSourceError(`Jira: ${action}: ${failure?.message ?? 'unexpected error'}`, status, {
          cause: error,
          retryable: status === undefined || status === 429 || status >= 500,
          retryAfterSeconds: failure?.retryAfterSeconds,
        });
      }
    }, retry);
  }
}
