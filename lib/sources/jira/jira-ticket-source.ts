import type JiraApi from 'jira-client';
import type { JiraCatalog } from '../../domain/catalog.js';
import * as z from 'zod';
import type { ApprovalIntegrity, LinkedTicket, Person, TicketSnapshot } from '../../domain/ticket.js';
import { TicketNotFoundError, TicketSourceError } from '../../errors.js';
import type { TicketSource } from '../../ports/ticket-source.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../retry.js';
import { fieldList, fieldText, requestFieldIds } from '../ticket-fields.js';
import {
  approvalIn,
  changelogPageSchema,
  editsAfter,
  jiraIssueSchema,
  serviceDeskApproval,
  serviceDeskApprovalsSchema,
  toPerson,
  type JiraHistory,
  type JiraIssue,
  type ServiceDeskApprovals,
} from './jira-issue.js';
import { JiraIntegrationAccount } from './jira-identity.js';
import { unlessMovedIn } from './jira-moves.js';
import { parseJiraFailure } from './jira-request.js';

/** The subset of jira-client we call, so tests and the container agree on it. */
export type JiraClient = Pick<JiraApi, 'findIssue' | 'addComment' | 'genericGet'>;
/** A jira-client whose base path is `/rest/servicedeskapi` (Jira Service Management). */
export type ServiceDeskClient = Pick<JiraApi, 'genericGet'>;

const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,49}-[1-9][0-9]{0,14}$/;
const linkedIssueSchema = z.looseObject({ key: z.string(), fields: z.looseObject({ status: z.looseObject({ name: z.string() }) }) });
/** A history longer than this many pages of 100 is not read to the end: the approval fails closed. */
const MAX_CHANGELOG_PAGES = 20;

/** Jira Cloud/Server/DC through jira-client (REST API v2). */
export class JiraTicketSource implements TicketSource {
  constructor(
    /** Resolves the client lazily: its API token may come from SSM at first use. */
    private readonly client: () => Promise<JiraClient>,
    private readonly mapping: JiraCatalog,
    private readonly baseUrl: string,
    private readonly serviceDesk?: () => Promise<ServiceDeskClient>,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    /** The email of the account kube-lease signs in as (`JIRA_EMAIL`): its transitions and approvals never count. */
    integrationEmail?: string,
  ) {
    this.own = new JiraIntegrationAccount(() => this.request(async () => (await this.client()).genericGet('myself'), 'reading its own account (GET /myself)', 'myself'), integrationEmail);
  }

  /** kube-lease's own account: its transitions and approvals never count (review tasks: only its own count). */
  readonly own: JiraIntegrationAccount;

  /** One Jira call: 429 (honouring Retry-After), 5xx and network failures are retried with back-off. */
  private request<T>(work: () => Promise<T>, action: string, key: string): Promise<T> {
    return withRetry(async () => {
      try {
        return await work();
      } catch (error) {
        throw this.translate(error, action, key);
      }
    }, this.retry);
  }

  async getTicket(key: string): Promise<TicketSnapshot> {
    if (!ISSUE_KEY.test(key)) throw new TicketNotFoundError(key.slice(0, 60));
    // Beside the issue read, not after it (cached after the first success).
    const me = this.own.account();
    me.catch(() => undefined);
    const raw: unknown = await this.request(async () => (await this.client()).findIssue(key, 'changelog'), `reading ${key}`, key);
    const parsed = jiraIssueSchema.safeParse(raw);
    if (!parsed.success) {
      throw new TicketSourceError(`Jira returned an issue of unexpected shape for ${key}: ${parsed.error.issues[0]?.message ?? ''}`, undefined, {
        cause: parsed.error,
      });
    }
    const issue = parsed.data;
    if (!ISSUE_KEY.test(issue.key)) throw new TicketSourceError(`Jira returned an issue key that is not one: ${issue.key.slice(0, 60)}`, undefined);
    const fields: Record<string, unknown> = issue.fields;
    const { fields: map } = this.mapping;
    const status = issue.fields.status.name;
    let state: TicketSnapshot['state'] = this.mapping.approvedStatuses.includes(status) ? 'approved' : this.mapping.closedStatuses.includes(status) ? 'closed' : 'open';
    let statusText = status;
    // Only an approved ticket needs its whole history (who approved, what changed since).
    const histories = state === 'approved' ? await this.histories(issue) : (issue.changelog?.histories ?? []);
    const found = histories === undefined ? {} : approvalIn(issue, histories, this.mapping.projects ?? 'every project');
    let approval = found.approval;
    let notCounted = found.notCounted;
    let declined: string | undefined;
    let integrity: ApprovalIntegrity | undefined;
    if (this.mapping.approvals === 'servicedesk' && state === 'approved') {
      // On a service desk a status transition is not an approval: the JSM approvals must say so.
      const decision = serviceDeskApproval(await this.serviceDeskApprovals(issue.key));
      declined = decision.declined;
      ({ approval, notCounted } = unlessMovedIn(decision.approval, histories, this.mapping.projects ?? 'every project'));
      if (decision.pending !== undefined) {
        state = 'open';
        statusText = `${status} (${decision.pending})`;
      }
      if (approval !== undefined) integrity = this.integrity(histories, { time: Date.parse(approval.at) });
    } else if (approval !== undefined) {
      integrity = this.integrity(histories, { historyId: approval.id });
    }
    if (histories === undefined && state === 'approved') integrity = { kind: 'unknown', reason: 'the changelog could not be read completely' };
    if (state === 'approved') approval = await this.own.mark(approval, me);
    return {
      source: 'jira',
      id: issue.id,
      key: issue.key,
      formerKeys: formerKeys(histories ?? issue.changelog?.histories ?? [], issue.key),
      url: `${this.baseUrl.replace(/\/+$/, '')}/browse/${issue.key}`,
      state,
      statusText,
      justification: fieldText(fields[map.justification]) ?? '',
      requester: toPerson(fields[map.requester]),
      approval,
      approvalNotCounted: state === 'approved' ? notCounted : undefined,
      declined,
      approvalIntegrity: integrity,
      project: issue.fields.project?.key,
      issueType: issue.fields.issuetype?.name,
      requestedProfile: fieldText(fields[map.profile]),
      requestedDuration: map.duration === undefined ? undefined : fieldText(fields[map.duration]),
      requestedNamespaces: map.namespaces === undefined ? undefined : fieldList(fields[map.namespaces]),
      windowStart: map.start === undefined ? undefined : fieldText(fields[map.start]),
      windowEnd: map.end === undefined ? undefined : fieldText(fields[map.end]),
    };
  }

  private integrity(histories: readonly JiraHistory[] | undefined, after: { readonly historyId: string } | { readonly time: number }): ApprovalIntegrity {
    if (histories === undefined) return { kind: 'unknown', reason: 'the changelog could not be read completely' };
    const edited = editsAfter(histories, after, requestFieldIds(this.mapping.fields));
    if (edited === 'unknown') return { kind: 'unknown', reason: 'the changelog names a custom field edited after the approval without its field id (Jira Server/DC): it cannot be told apart from a mapped field' };
    return edited.length === 0 ? { kind: 'intact' } : { kind: 'edited', fields: edited };
  }

  /**
   * The whole changelog. `expand=changelog` embeds at most one page (100 entries on Cloud); a longer
   * history is read page by page from the changelog resource. Undefined when that cannot be done
   * (e.g. Server/DC without the resource): the caller fails closed.
   */
  private async histories(issue: JiraIssue): Promise<readonly JiraHistory[] | undefined> {
    const embedded = issue.changelog;
    if (embedded === undefined) return undefined;
    if ((embedded.total ?? embedded.histories.length) <= embedded.histories.length) return embedded.histories;
    const all: JiraHistory[] = [];
    for (let page = 0; page < MAX_CHANGELOG_PAGES; page += 1) {
      let raw: unknown;
      try {
        raw = await this.request(async () => (await this.client()).genericGet(`issue/${issue.key}/changelog?startAt=${all.length}&maxResults=100`), `reading the changelog of ${issue.key}`, issue.key);
      } catch (error) {
        if (error instanceof TicketNotFoundError) return undefined;
        throw error;
      }
      const parsed = changelogPageSchema.safeParse(raw);
      if (!parsed.success) return undefined;
      all.push(...parsed.data.values);
      if (parsed.data.isLast === true || parsed.data.values.length === 0 || all.length >= parsed.data.total) return all;
    }
    return undefined;
  }

  private async serviceDeskApprovals(key: string): Promise<ServiceDeskApprovals> {
    if (this.serviceDesk === undefined) throw new TicketSourceError('the catalog asks for service desk approvals but no service desk client is configured', undefined);
    const desk = this.serviceDesk;
    const raw: unknown = await this.request(async () => (await desk()).genericGet(`request/${key}/approval`), `reading the approvals of ${key}`, key);
    const parsed = serviceDeskApprovalsSchema.safeParse(raw);
    if (!parsed.success) throw new TicketSourceError(`Jira returned approvals of unexpected shape for ${key}`, undefined, { cause: parsed.error });
    return parsed.data;
  }

  async linkedTickets(key: string): Promise<LinkedTicket[]> {
    if (!ISSUE_KEY.test(key)) return [];
    const raw: unknown = await this.request(async () => (await this.client()).findIssue(key, '', 'issuelinks'), `reading the links of ${key}`, key);
    const links = z
      .looseObject({
        fields: z.looseObject({
          issuelinks: z
            .array(z.looseObject({ inwardIssue: z.looseObject({ key: z.string() }).optional(), outwardIssue: z.looseObject({ key: z.string() }).optional() }))
            .default([]),
        }),
      })
      .safeParse(raw);
    if (!links.success) throw new TicketSourceError(`Jira returned links of unexpected shape for ${key}`, undefined, { cause: links.error });
    const keys = [...new Set(links.data.fields.issuelinks.flatMap((l) => [l.inwardIssue?.key, l.outwardIssue?.key]).filter((k): k is string => k !== undefined && ISSUE_KEY.test(k)))].slice(0, 20);
    // The states in the link are a snapshot; read each linked issue again for its state now.
    const linked = await Promise.all(
      keys.map(async (linkedKey) => {
        let raw: unknown;
        try {
          raw = await this.request(async () => (await this.client()).findIssue(linkedKey, '', 'status'), `reading ${linkedKey}`, linkedKey);
        } catch (error) {
          if (error instanceof TicketNotFoundError) return undefined;
          throw error;
        }
        const issue = linkedIssueSchema.safeParse(raw);
        if (!issue.success) throw new TicketSourceError(`Jira returned an issue of unexpected shape for ${linkedKey}`, undefined, { cause: issue.error });
        return { key: issue.data.key, status: issue.data.fields.status.name };
      }),
    );
    return linked.filter((l): l is LinkedTicket => l !== undefined);
  }

  async groupsOf(person: Person, groups: readonly string[]): Promise<string[]> {
    const query = new URLSearchParams(/^[0-9a-f:-]{10,}$/i.test(person.id) ? { accountId: person.id } : { username: person.id });
    const raw: unknown = await this.request(async () => (await this.client()).genericGet(`user/groups?${query}`), `reading the groups of ${person.id}`, person.id);
    const parsed = z.array(z.looseObject({ name: z.string() })).safeParse(raw);
    if (!parsed.success) throw new TicketSourceError('Jira returned user groups of unexpected shape', undefined, { cause: parsed.error });
    return parsed.data.map((g) => g.name).filter((name) => groups.includes(name));
  }

  /**
   * Comments as plain text. REST v2 renders a comment body as wiki markup, in which ticket-derived
   * text (a justification like `[re-approve|https://evil.example]`, a bare URL) would become a live
   * link or macro: the whole text goes into one `{noformat}` block, which Jira shows verbatim.
   */
  async comment(key: string, text: string): Promise<void> {
    await this.request(async () => (await this.client()).addComment(key, asJiraPlainText(text)), `commenting on ${key}`, key);
  }

  private translate(error: unknown, action: string, key: string): TicketSourceError {
    const failure = parseJiraFailure(error);
    if (failure?.statusCode === 404) return new TicketNotFoundError(key, { cause: error });
    const status = failure?.statusCode;
    const retryable = status === undefined || status === 429 || status >= 500;
    return new TicketSourceError(`Jira: ${action}: ${failure?.message ?? 'unexpected error'}`, status, {
      cause: error,
      retryable,
      retryAfterSeconds: failure?.retryAfterSeconds,
    });
  }
}

/**
 * The keys an issue had before, from the `Key` items *Move issue* leaves in its changelog (the
 * `jira:issue_updated` of a move carries the same item): malformed ones are dropped. Only Jira's
 * own item counts (`fieldtype: jira`): a custom field a user names "Key" must never make this
 * ticket's close reach the leases of the key it claims.
 */
export function formerKeys(histories: readonly JiraHistory[], current: string): string[] {
  const moves = histories.flatMap((h) => h.items.filter((i) => i.field === 'Key' && i.fieldtype === 'jira' && (i.fieldId === undefined || !i.fieldId.startsWith('customfield_'))));
  const keys = moves.map((i) => i.fromString ?? '');
  return [...new Set(keys)].filter((k) => ISSUE_KEY.test(k) && k !== current).slice(0, 20);
}

/** Plain text as a Jira wiki-markup body that renders it verbatim (no links, macros or formatting). */
export function asJiraPlainText(text: string): string {
  // A `{noformat}` inside would end the block early: break the token so it stays text.
  return `{noformat}${text.replace(/\{noformat\}/gi, '{ noformat}')}{noformat}`;
}
