import type JiraApi from 'jira-client';
import * as z from 'zod';
import type { JiraReviewSettings } from '../../domain/catalog.js';
import type { Lease } from '../../domain/lease.js';
import { closedTooEarly, markersChanged, markersIn, notTheLeasesTask, REPOINTED_TASK, reviewMarker, SHARED_TASK } from '../../domain/review-task.js';
import { TicketSourceError } from '../../errors.js';
import type { FoundReviewTasks, ReviewTaskRef, ReviewTaskRequest, ReviewTaskState, ReviewTaskSystem } from '../../ports/review-tasks.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../retry.js';
import type { JiraIntegrationAccount } from './jira-identity.js';
import { jiraUserSchema, toPerson } from './jira-issue.js';
import { parseJiraFailure } from './jira-request.js';
import { asJiraPlainText } from './jira-ticket-source.js';

/** The jira-client calls review tasks make. */
export type JiraReviewClient = Pick<JiraApi, 'addNewIssue' | 'addWatcher' | 'addComment' | 'genericGet'>;

/** `POST /rest/api/2/issue` answers 201 `{ id, key, self }`. */
const createdSchema = z.looseObject({ id: z.string(), key: z.string() });
const status = z.looseObject({ statusCategory: z.looseObject({ key: z.string() }) });
/** Both searches (`search/jql` on Cloud, `search` on Server/DC) answer `{ issues: [{ id, key, fields }] }`; `creator` and `created` are set by Jira, never by a person. */
const searchSchema = z.looseObject({
  issues: z.array(z.looseObject({ id: z.string(), key: z.string(), fields: z.looseObject({ creator: z.unknown().optional(), created: z.string().optional(), status: status.optional(), labels: z.array(z.string()).optional() }).optional() })),
});
const statusItem = z.looseObject({ field: z.string(), fieldId: z.string().optional(), fieldtype: z.string().optional(), fromString: z.string().nullable().optional(), toString: z.string().nullable().optional() });
const history = z.looseObject({ id: z.string(), created: z.string().optional(), author: jiraUserSchema.optional(), items: z.array(statusItem) });
const statusSchema = z.looseObject({
  fields: z.looseObject({ status, labels: z.array(z.string()).optional() }),
  changelog: z.looseObject({ total: z.number().optional(), histories: z.array(history) }).optional(),
});
const historyPage = z.looseObject({ values: z.array(history) });
/** Histories of a task's changelog read at most (pages of 100); a longer one shows neither its closing nor its markers. */
const HISTORY_LIMIT = 1000;
/** A change of the labels (a custom field a site named "labels" says `fieldtype: custom`) that adds, removes or replaces a marker. */
const changesMarker = (i: z.infer<typeof statusItem>) => i.fieldtype !== 'custom' && (i.fieldId ?? i.field) === 'labels' && markersChanged(i.fromString, i.toString);
/** Tasks carrying a marker read at once: kube-lease's own among them, and any planted beside it. */
const FOUND_LIMIT = 20;
const usersSchema = z.array(z.looseObject({ accountId: z.string().optional(), name: z.string().optional(), emailAddress: z.string().optional() }));
const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,49}-[1-9][0-9]{0,14}$/;
const MARKER = /^[a-z0-9-]+$/;

/**
 * Review tasks as Jira issues in the catalog's `jira.review` project: labelled with the lease's
 * marker (found again by a JQL search on it), the lease's ticket linked (`linkType`) and named in
 * the description, the profile's approvers made watchers. Description and comments are plain text
 * (one `{noformat}` block): ticket-derived text never becomes a live link or macro. Only an open
 * issue kube-lease's own account created (`creator`) after the lease was recorded (`created`),
 * carrying exactly one marker that its changelog never shows changed, is its task; a closing counts
 * only when that still holds and the changelog shows a person other than the requester and
 * kube-lease's account made it after the task was recorded.
 */
export class JiraReviewTasks implements ReviewTaskSystem {
  constructor(
    private readonly client: () => Promise<JiraReviewClient>,
    private readonly settings: JiraReviewSettings,
    private readonly baseUrl: string,
    private readonly own: Pick<JiraIntegrationAccount, 'isOwn'>,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async find(lease: Lease, marker: string): Promise<FoundReviewTasks> {
    if (!MARKER.test(marker)) throw new TicketSourceError(`not a review marker: ${marker.slice(0, 60)}`, undefined);
    const jql = encodeURIComponent(`project = "${this.settings.project}" AND labels = "${marker}" ORDER BY created ASC`);
    let raw: unknown;
    try {
      // Jira Cloud's search (the older `search` is gone there); Server/DC knows only `search`.
      raw = await this.call(async () => (await this.client()).genericGet(`search/jql?jql=${jql}&fields=creator,created,status,labels&maxResults=${FOUND_LIMIT}`), 'searching for the review task');
    } catch (error) {
      if (!(error instanceof TicketSourceError) || (error.statusCode !== 404 && error.statusCode !== 410)) throw error;
      raw = await this.call(async () => (await this.client()).genericGet(`search?jql=${jql}&fields=creator,created,status,labels&maxResults=${FOUND_LIMIT}`), 'searching for the review task');
    }
    const parsed = searchSchema.safeParse(raw);
    if (!parsed.success) throw new TicketSourceError('Jira returned a search result of unexpected shape', undefined, { cause: parsed.error });
    let own: ReviewTaskRef | undefined;
    const planted: FoundReviewTasks['planted'][number][] = [];
    for (const issue of parsed.data.issues) {
      const ref = this.ref(issue.id, issue.key);
      if (!(await this.own.isOwn(toPerson(issue.fields?.creator)))) planted.push(ref);
      else {
        // Kube-lease's own, but an earlier lease's given this marker, closed, or re-pointed: not this lease's.
        const early = notTheLeasesTask(lease, issue.fields?.created, issue.fields?.status?.statusCategory.key === 'done');
        const why = early ?? (own === undefined ? await this.notOneLeases(issue.key, issue.fields?.labels) : undefined);
        if (own === undefined && why === undefined) own = ref;
        else planted.push({ ...ref, why: why ?? 'another task of kube-lease\'s carries the marker too' });
      }
    }
    return { own, planted };
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

  async isDone(task: ReviewTaskRef, lease: Lease): Promise<ReviewTaskState> {
    const raw: unknown = await this.call(async () => (await this.client()).genericGet(`issue/${encodeURIComponent(task.key)}?fields=status,labels&expand=changelog`), `reading ${task.key}`);
    const parsed = statusSchema.safeParse(raw);
    if (!parsed.success) throw new TicketSourceError(`Jira returned ${task.key} in an unexpected shape`, undefined, { cause: parsed.error });
    if (parsed.data.fields.status.statusCategory.key !== 'done') return { done: false };
    // The last status change (a custom field a site named "status" says `fieldtype: custom`).
    const isStatus = (i: z.infer<typeof statusItem>) => i.fieldtype !== 'custom' && (i.fieldId ?? i.field) === 'status';
    const histories = await this.histories(task.key, parsed.data.changelog);
    if (histories === undefined) return { done: false, notCounted: 'its changelog is longer than Jira returned, so who closed it is not shown', closing: 'long-history' };
    const closing = [...histories].sort((a, b) => Number(a.id) - Number(b.id)).reverse().find((h) => h.items.some(isStatus));
    if (closing === undefined) return { done: false, notCounted: 'its changelog does not show who closed it', closing: 'unknown' };
    // The task as recorded, still the lease's alone: its one marker never changed, and closed after it was recorded.
    const labels = parsed.data.fields.labels ?? [];
    const relabelled = markersIn(labels).includes(reviewMarker(lease.id)) ? undefined : 'it no longer carries the lease\'s review marker (its label)';
    const early = relabelled ?? closedTooEarly(lease.review?.key === task.key ? lease.review : undefined, closing.created) ?? this.markerWhy(labels, histories);
    if (early !== undefined) return { done: false, notCounted: early, closing: closing.id };
    const by = toPerson(closing.author);
    const label = by?.email ?? by?.displayName ?? by?.id ?? 'an unnamed account';
    const requester = lease.requester;
    const sameEmail = by?.email !== undefined && by.email.toLowerCase() === requester.email?.toLowerCase();
    let notCounted: string | undefined;
    if (by === undefined) notCounted = 'its changelog does not name who closed it';
    else if (await this.own.isOwn(by)) notCounted = 'it was closed by kube-lease\'s own account';
    else if (by.id === requester.id || sameEmail) notCounted = 'it was closed by the lease\'s requester';
    else if (by.activeHuman === false) notCounted = 'it was closed by an account that is not an active person (an app or automation)';
    return notCounted === undefined ? { done: true, closedBy: label } : { done: false, closedBy: label, notCounted, closing: closing.id };
  }

  /** Why an open task of kube-lease's is not the lease's alone (undefined: it is), from its labels and changelog. */
  private async notOneLeases(key: string, labels: readonly string[] | undefined): Promise<string | undefined> {
    if (markersIn(labels ?? []).length !== 1) return SHARED_TASK;
    const raw: unknown = await this.call(async () => (await this.client()).genericGet(`issue/${encodeURIComponent(key)}?fields=status,labels&expand=changelog`), `reading ${key}`);
    const parsed = statusSchema.safeParse(raw);
    if (!parsed.success) throw new TicketSourceError(`Jira returned ${key} in an unexpected shape`, undefined, { cause: parsed.error });
    const histories = await this.histories(key, parsed.data.changelog);
    return histories === undefined ? 'its changelog is longer than Jira returned, so whether its marker was changed is not shown' : this.markerWhy(parsed.data.fields.labels ?? [], histories);
  }

  /** Why a task's labels and changelog make it no one lease's (undefined: exactly one marker, never changed). */
  private markerWhy(labels: readonly string[], histories: readonly z.infer<typeof history>[]): string | undefined {
    if (markersIn(labels).length !== 1) return SHARED_TASK;
    return histories.some((h) => h.items.some(changesMarker)) ? REPOINTED_TASK : undefined;
  }

  /** The whole changelog: the embedded one, or (longer) paged from `GET /issue/{key}/changelog`; undefined when Jira does not serve it all. */
  private async histories(key: string, embedded: z.infer<typeof statusSchema>['changelog']): Promise<z.infer<typeof history>[] | undefined> {
    const total = embedded?.total ?? 0;
    if (total <= (embedded?.histories.length ?? 0)) return embedded?.histories ?? [];
    if (total > HISTORY_LIMIT) return undefined;
    const all: z.infer<typeof history>[] = [];
    while (all.length < total) {
      const path = `issue/${encodeURIComponent(key)}/changelog?startAt=${all.length}&maxResults=100`;
      const raw: unknown = await this.call(async () => (await this.client()).genericGet(path), `reading the changelog of ${key}`).catch((error: unknown) => {
        if (error instanceof TicketSourceError && error.statusCode === 404) return undefined;
        throw error;
      });
      const page = historyPage.safeParse(raw);
      if (!page.success || page.data.values.length === 0) return undefined;
      all.push(...page.data.values);
    }
    return all;
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
