import { parseMultipart } from './multipart.js';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';

export interface JiraUser {
  readonly accountId: string;
  readonly emailAddress?: string;
  readonly displayName: string;
  /** Cloud: `atlassian` (a person), `app` (Automation for Jira and other apps), `customer` (JSM portal). */
  readonly accountType?: 'atlassian' | 'app' | 'customer';
  readonly active?: boolean;
}

/** The account Automation for Jira acts as on Jira Cloud: its transitions carry this author. */
export const AUTOMATION_FOR_JIRA: JiraUser = {
  accountId: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077',
  displayName: 'Automation for Jira',
  accountType: 'app',
  active: true,
};

/** Display names of the custom fields the demo catalog maps, as a Jira site shows them in changelogs. */
const FIELD_NAMES: Record<string, string> = {
  customfield_10100: 'Access profile',
  customfield_10101: 'Access duration',
  customfield_10102: 'Namespaces',
  customfield_10103: 'Change start',
  customfield_10104: 'Change end',
};

/** Jira Cloud embeds at most this many histories with `expand=changelog`; the rest is paged from /changelog. */
export const EMBEDDED_CHANGELOG_LIMIT = 100;

interface History {
  id: string;
  created: string;
  author: JiraUser;
  items: { field: string; fieldtype: string; fieldId?: string; from: string | null; fromString: string | null; to: string | null; toString: string | null }[];
}

interface Issue {
  id: string;
  key: string;
  fields: Record<string, unknown> & { status: { id: string; name: string } };
  histories: History[];
  comments: { id: string; body: string; created: string; author: JiraUser }[];
  /** Account ids watching the issue (POST /issue/{key}/watchers). */
  watchers?: string[];
}

/** Jira's status categories, as `status.statusCategory` carries them (Done and Declined are `done`). */
function statusCategory(name: string): Record<string, unknown> {
  if (name === 'Done' || name === 'Declined') return { self: 'https://example.atlassian.net/rest/api/2/statuscategory/3', id: 3, key: 'done', colorName: 'green', name: 'Done' };
  if (name === 'Open') return { self: 'https://example.atlassian.net/rest/api/2/statuscategory/2', id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' };
  return { self: 'https://example.atlassian.net/rest/api/2/statuscategory/4', id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' };
}

const STATUS_IDS: Record<string, string> = { Open: '1', 'In Review': '10001', Approved: '10002', Done: '10003', Declined: '10004', Emergency: '10005' };

/** What POST /issue takes: the fields, and `update` operations (only `issuelinks: [{ add }]` here). */
interface CreateBody {
  fields?: Record<string, unknown>;
  update?: { issuelinks?: { add?: { type?: { name?: string }; outwardIssue?: { key?: string }; inwardIssue?: { key?: string } } }[] };
}

const NOT_FOUND = { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} };

/**
 * Jira Cloud REST API v2, only the routes kube-lease calls: read an issue with its changelog and
 * add a comment. Answers with Jira's own payload and error shapes; checks Basic auth.
 */
export class FakeJira extends FakeHttpServer {
  readonly issues = new Map<string, Issue>();
  readonly serviceDeskApprovals = new Map<string, Record<string, unknown>[]>();
  /** Group names by accountId. */
  readonly groups = new Map<string, string[]>();
  /** JQL `labels = "x"` matches labels in any case (Jira 7.10 and later); false: only the exact label. */
  labelsIgnoreCase = false;
  /** The account kube-lease signs in as (its credentials below): an ordinary active account, as on many sites. */
  readonly botUser: JiraUser = { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'kube-lease bot', emailAddress: 'kube-lease-bot@example.com', accountType: 'atlassian', active: true };
  /**
   * Display names of fields as this site shows them in changelogs, by field id. A site may name a
   * custom field anything, "status" included: its items still say `fieldtype: custom` and its id.
   */
  readonly fieldNames: Record<string, string> = { ...FIELD_NAMES };
  /**
   * Keys issues had before a *Move issue*, by that key: the issue's id. Jira reserves an issue's
   * historical keys, and a request by one answers the issue it names now, under its new key
   * (Atlassian KB "Migration of Jira's historical keys for issues and projects": Jira "reserves all
   * previous historical keys so that it will still work" by the old key; Jira's MovedIssueKeyStore
   * maps an old key to the issue id). `GET /issue/{issueIdOrKey}`, as Atlassian documents it: when
   * the identifier matches no issue, Jira searches case-insensitively and checks for moved issues,
   * and answers the issue found (200, no 302 redirect).
   */
  readonly movedKeys = new Map<string, string>();
  /** Attachments' bytes by attachment id (their metadata is in the issue's `attachment` field). */
  readonly attachmentBytes = new Map<string, Buffer>();
  /** The site's attachment size limit (Jira Cloud's default is 1 GB; tests lower it). */
  maxAttachmentBytes = 10 * 1024 * 1024;
  private nextId = 10_000;
  private nextHistory = 50_000;
  /** Whether the site serves `GET /issue/{key}/changelog` (Cloud does; old Server/DC versions do not). */
  changelogResource = true;
  /** The number of the first issue created through the API in a project (the next free one after it). */
  firstIssueNumber = 1;
  /** People's own accounts (email and API token), as requesters use them: issues they create are reported by them. */
  private readonly accounts = new Map<string, { user: JiraUser; token: string }>();
  /** The site's fields (GET /rest/api/2/field): the demo catalog's custom fields with their types. */
  readonly fieldTypes: Record<string, { type: string; items?: string }> = {
    customfield_10100: { type: 'option' },
    customfield_10101: { type: 'string' },
    customfield_10102: { type: 'array', items: 'option' },
    customfield_10103: { type: 'datetime' },
    customfield_10104: { type: 'datetime' },
  };

  constructor(
    private readonly email = 'kube-lease-bot@example.com',
    private readonly token = 'fake-jira-token',
    /** Jira's clock (histories, webhook timestamps); tests pass theirs so both move together. */
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  private created(): string {
    return new Date(this.now()).toISOString().replace('Z', '+0000');
  }

  /** The settings a kube-lease instance needs to call this fake (its base URL once started, the bot's credentials). */
  clientEnv(baseUrl: string): Record<'JIRA_BASE_URL' | 'JIRA_EMAIL' | 'JIRA_API_TOKEN', string> {
    return { JIRA_BASE_URL: baseUrl, JIRA_EMAIL: this.email, JIRA_API_TOKEN: this.token };
  }

  /** Gives `user` an API token: they may call the API as themselves (Basic email:token). */
  addAccount(user: JiraUser, token: string): void {
    this.accounts.set(user.emailAddress ?? user.accountId, { user, token });
  }

  /** Who a request's Basic credentials are: kube-lease's bot, a person with an account, or nobody. */
  private caller(authorization: string | undefined): JiraUser | undefined {
    if (authorization === `Basic ${Buffer.from(`${this.email}:${this.token}`).toString('base64')}`) return this.botUser;
    const decoded = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
    if (decoded === undefined) return undefined;
    const text = Buffer.from(decoded, 'base64').toString('utf8');
    const at = text.indexOf(':');
    const account = this.accounts.get(text.slice(0, at));
    return account !== undefined && account.token === text.slice(at + 1) ? account.user : undefined;
  }

  /** An issue as `reporter` created it (Jira sets `creator`, which no edit changes; `creator` here: someone else created it for them). */
  createIssue(options: { key: string; reporter: JiraUser; creator?: JiraUser; summary?: string; fields?: Record<string, unknown>; status?: string }): void {
    const status = options.status ?? 'Open';
    const projectKey = options.key.split('-')[0] ?? 'OPS';
    this.issues.set(options.key, {
      id: String((this.nextId += 1)),
      key: options.key,
      fields: {
        summary: options.summary ?? 'Debug payment failures in production',
        reporter: options.reporter,
        creator: options.creator ?? options.reporter,
        status: { id: STATUS_IDS[status] ?? '99', name: status },
        project: { id: String(10_000 + projectKey.length), key: projectKey, name: `${projectKey} project` },
        issuetype: { id: '10002', name: 'Task', subtask: false },
        ...options.fields,
      },
      histories: [],
      comments: [],
    });
  }

  /** Moves an issue to `status` as `author`, records the changelog, and returns the webhook payload Jira would send. */
  transition(key: string, status: string, author: JiraUser): Record<string, unknown> {
    const issue = this.issue(key);
    const from = issue.fields.status;
    const to = { id: STATUS_IDS[status] ?? '99', name: status };
    const history: History = {
      id: String((this.nextHistory += 1)),
      created: this.created(),
      author,
      items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: from.id, fromString: from.name, to: to.id, toString: to.name }],
    };
    issue.histories.push(history);
    issue.fields.status = to;
    return this.webhookPayload(issue, history, author);
  }

  /**
   * Edits fields as `author` would in the issue view: the values change and the changelog records
   * one item per field (custom fields under their display name, with `fieldId`). Returns the
   * `jira:issue_updated` payload Jira sends for it (no status item).
   */
  edit(key: string, fields: Record<string, unknown>, author: JiraUser): Record<string, unknown> {
    const issue = this.issue(key);
    const text = (value: unknown): string | null => {
      if (value === null || value === undefined) return null;
      if (typeof value === 'string') return value;
      if (Array.isArray(value)) return value.map((v) => text(v) ?? '').join(' ');
      if (typeof value === 'object') {
        const named = value as { value?: unknown; name?: unknown; displayName?: unknown };
        return String(named.value ?? named.displayName ?? named.name ?? JSON.stringify(value));
      }
      return String(value as number);
    };
    // Jira records only what actually changed.
    const changed = Object.entries(fields).filter(([fieldId, value]) => JSON.stringify(issue.fields[fieldId] ?? null) !== JSON.stringify(value ?? null));
    const history: History = {
      id: String((this.nextHistory += 1)),
      created: this.created(),
      author,
      items: changed.map(([fieldId, value]) => ({
        field: this.fieldNames[fieldId] ?? fieldId,
        fieldtype: fieldId.startsWith('customfield_') ? 'custom' : 'jira',
        fieldId,
        from: null,
        fromString: text(issue.fields[fieldId]),
        to: null,
        toString: text(value),
      })),
    };
    Object.assign(issue.fields, fields);
    if (history.items.length > 0) issue.histories.push(history);
    return this.webhookPayload(issue, history, author);
  }

  /**
   * Jira's *Move issue* to project `toProject`: the issue keeps its id, takes the next key of that
   * project, and its old key keeps answering it. The changelog records the move as a `project` item
   * and a `Key` item (from the old key to the new one); the status stays (a move between projects
   * that share the workflow, or whose workflows share the status: then a `Workflow` item records the
   * change of workflow, and no `status` item, since the status maps to itself). Returns the
   * `jira:issue_updated` payload Jira sends for it.
   */
  move(key: string, toProject: string, author: JiraUser, options: { workflow?: { from: string; to: string } } = {}): Record<string, unknown> {
    const issue = this.issue(key);
    const oldKey = issue.key;
    const taken = [...this.issues.keys(), ...this.movedKeys.keys()].filter((k) => k.startsWith(`${toProject}-`)).map((k) => Number(k.split('-')[1]));
    const newKey = `${toProject}-${Math.max(0, ...taken) + 1}`;
    const from = issue.fields.project as { id: string; key: string; name: string } | undefined;
    const to = { id: String(10_000 + toProject.length + 100), key: toProject, name: `${toProject} project` };
    const history: History = {
      id: String((this.nextHistory += 1)),
      created: this.created(),
      author,
      items: [
        { field: 'project', fieldtype: 'jira', fieldId: 'project', from: from?.id ?? null, fromString: from?.name ?? null, to: to.id, toString: to.name },
        // As the examples found show it: field `Key`, no fieldId, the keys as strings.
        { field: 'Key', fieldtype: 'jira', from: null, fromString: oldKey, to: null, toString: newKey },
        // Jira's Workflow item: ids of the workflow schemes' workflows, their names as strings.
        ...(options.workflow === undefined ? [] : [{ field: 'Workflow', fieldtype: 'jira', from: '10100', fromString: options.workflow.from, to: '10200', toString: options.workflow.to }]),
      ],
    };
    issue.histories.push(history);
    issue.fields.project = to;
    issue.key = newKey;
    this.issues.delete(oldKey);
    this.issues.set(newKey, issue);
    this.movedKeys.set(oldKey, issue.id);
    const approvals = this.serviceDeskApprovals.get(oldKey);
    if (approvals !== undefined) this.serviceDeskApprovals.set(newKey, approvals);
    return this.webhookPayload(issue, history, author);
  }

  /** The issue an id, a key (in any case) or a historical key names now (as Jira's `{issueIdOrKey}` resolves it). */
  private find(idOrKey: string): Issue | undefined {
    const direct = this.issues.get(idOrKey);
    if (direct !== undefined) return direct;
    const upper = idOrKey.toUpperCase();
    const id = this.movedKeys.get(upper) ?? idOrKey;
    return [...this.issues.values()].find((i) => i.id === id || i.key === upper);
  }

  /** Pads the changelog with `count` unrelated edits (e.g. a long-lived ticket's label churn). */
  churn(key: string, count: number, author: JiraUser): void {
    const issue = this.issue(key);
    for (let i = 0; i < count; i += 1) {
      issue.histories.push({
        id: String((this.nextHistory += 1)),
        created: this.created(),
        author,
        items: [{ field: 'labels', fieldtype: 'jira', fieldId: 'labels', from: null, fromString: '', to: null, toString: `triage-${i}` }],
      });
    }
  }

  /** A webhook payload that claims a transition without it having happened (a forged or stale hint). */
  claimTransition(key: string, status: string, author: JiraUser): Record<string, unknown> {
    const issue = this.issue(key);
    const history: History = {
      id: String(this.nextHistory + 999),
      created: this.created(),
      author,
      items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: null, fromString: issue.fields.status.name, to: null, toString: status }],
    };
    return this.webhookPayload(issue, history, author);
  }

  /** Records a Jira Service Management approval of the request (its final decision and who decided). */
  serviceDeskDecision(key: string, decision: 'approved' | 'declined' | 'pending', approvers: JiraUser[]): void {
    const list = this.serviceDeskApprovals.get(key) ?? [];
    const now = this.now() + list.length;
    list.push({
      id: String(list.length + 1),
      name: 'Approve access',
      finalDecision: decision,
      canAnswerApproval: false,
      approvers: approvers.map((approver) => ({ approver, approverDecision: decision })),
      createdDate: { iso8601: new Date(now).toISOString(), epochMillis: now },
      ...(decision === 'pending' ? {} : { completedDate: { iso8601: new Date(now).toISOString(), epochMillis: now } }),
    });
    this.serviceDeskApprovals.set(key, list);
  }

  /** Links two issues ("relates to"), as Jira shows the link on both. */
  link(key: string, other: string): void {
    const a = this.issue(key);
    const b = this.issue(other);
    const entry = (to: Issue, direction: 'outwardIssue' | 'inwardIssue') => ({
      id: String((this.nextId += 1)),
      type: { name: 'Relates', inward: 'relates to', outward: 'relates to' },
      [direction]: { id: to.id, key: to.key, fields: { status: to.fields.status } },
    });
    a.fields.issuelinks = [...((a.fields.issuelinks as unknown[] | undefined) ?? []), entry(b, 'outwardIssue')];
    b.fields.issuelinks = [...((b.fields.issuelinks as unknown[] | undefined) ?? []), entry(a, 'inwardIssue')];
  }

  /** The comments as a person reads them: a `{noformat}` block shows its text verbatim. */
  comments(key: string): string[] {
    return this.rawComments(key).map((body) => /^\{noformat\}([\s\S]*)\{noformat\}$/.exec(body)?.[1] ?? body);
  }

  /** The comment bodies as stored: wiki markup. */
  rawComments(key: string): string[] {
    return this.issue(key).comments.map((c) => c.body);
  }

  /**
   * What Jira's wiki renderer would turn into live links in a comment body: `[text|url]`, `[url]`
   * and bare URLs, outside `{noformat}` blocks.
   */
  liveLinks(key: string): string[] {
    return this.rawComments(key).flatMap((body) => {
      const outside = body.replace(/\{noformat\}[\s\S]*?\{noformat\}/g, '');
      return [...outside.matchAll(/\[[^\]]*\|?[a-z]+:\/\/[^\]]*\]|\b[a-z]+:\/\/\S+/gi)].map((m) => m[0]);
    });
  }

  issue(key: string): Issue {
    const issue = this.find(key);
    if (issue === undefined) throw new Error(`fake Jira has no issue ${key}`);
    return issue;
  }

  private webhookPayload(issue: Issue, history: History, user: JiraUser): Record<string, unknown> {
    return {
      timestamp: this.now(),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user,
      // A snapshot, as Jira sends it: later edits do not change a body already sent.
      issue: { id: issue.id, self: `https://example.atlassian.net/rest/api/2/issue/${issue.id}`, key: issue.key, fields: structuredClone(issue.fields) },
      changelog: { id: history.id, items: history.items },
    };
  }

  protected route(request: FakeRequest): FakeResponse {
    const caller = this.caller(request.headers.authorization);
    if (caller === undefined) {
      return { status: 401, body: { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'], errors: {} } };
    }
    const requester = this.requesterRoute(request, caller);
    if (requester !== undefined) return requester;
    const attachments = this.attachmentRoute(request, caller);
    if (attachments !== undefined) return attachments;
    const issueMatch = /^\/rest\/api\/2\/issue\/([^/]+)$/.exec(request.path);
    if (issueMatch?.[1] !== undefined && request.method === 'GET') {
      const issue = this.find(issueMatch[1]);
      if (issue === undefined) return { status: 404, body: NOT_FOUND };
      const expand = request.query.get('expand') ?? '';
      const body: Record<string, unknown> = {
        expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
        id: issue.id,
        self: `https://example.atlassian.net/rest/api/2/issue/${issue.id}`,
        key: issue.key,
        fields: { ...issue.fields, status: { ...issue.fields.status, statusCategory: statusCategory(issue.fields.status.name) } },
      };
      if (expand.split(',').includes('changelog')) {
        // Like Jira Cloud: one page embedded (the newest entries), `total` says how many exist.
        const histories = issue.histories.slice(-EMBEDDED_CHANGELOG_LIMIT);
        body.changelog = { startAt: 0, maxResults: histories.length, total: issue.histories.length, histories };
      }
      return { status: 200, body };
    }
    const changelogMatch = /^\/rest\/api\/2\/issue\/([^/]+)\/changelog$/.exec(request.path);
    if (changelogMatch?.[1] !== undefined && request.method === 'GET' && this.changelogResource) {
      const issue = this.find(changelogMatch[1]);
      if (issue === undefined) return { status: 404, body: NOT_FOUND };
      const startAt = Number(request.query.get('startAt') ?? '0');
      const maxResults = Math.min(Number(request.query.get('maxResults') ?? '100'), 100);
      const values = issue.histories.slice(startAt, startAt + maxResults);
      return { status: 200, body: { self: `https://example.atlassian.net${request.path}`, maxResults, startAt, total: issue.histories.length, isLast: startAt + values.length >= issue.histories.length, values } };
    }
    if (request.path === '/rest/api/2/myself' && request.method === 'GET') {
      // The signed-in account, as Jira Cloud returns it (the email only where the profile shows it).
      return { status: 200, body: { self: `https://example.atlassian.net/rest/api/2/user?accountId=${this.botUser.accountId}`, timeZone: 'Etc/UTC', locale: 'en_US', ...this.botUser } };
    }
    if (request.path === '/rest/api/2/user/groups' && request.method === 'GET') {
      const accountId = request.query.get('accountId') ?? '';
      return { status: 200, body: (this.groups.get(accountId) ?? []).map((name, i) => ({ name, groupId: `g-${i}`, self: `https://example.atlassian.net/rest/api/2/group?groupId=g-${i}` })) };
    }
    const approvalMatch = /^\/rest\/servicedeskapi\/request\/([^/]+)\/approval$/.exec(request.path);
    if (approvalMatch?.[1] !== undefined && request.method === 'GET') {
      if (this.find(approvalMatch[1]) === undefined) return { status: 404, body: { errorMessage: 'The request could not be found.', i18nErrorMessage: { i18nKey: 'sd.request.not.found', parameters: [] } } };
      const values = this.serviceDeskApprovals.get(this.find(approvalMatch[1])?.key ?? '') ?? [];
      return { status: 200, body: { size: values.length, start: 0, limit: 50, isLastPage: true, values } };
    }
    const commentMatch = /^\/rest\/api\/2\/issue\/([^/]+)\/comment$/.exec(request.path);
    if (commentMatch?.[1] !== undefined && request.method === 'POST') {
      const issue = this.find(commentMatch[1]);
      if (issue === undefined) return { status: 404, body: NOT_FOUND };
      const parsed = JSON.parse(request.body) as { body?: unknown };
      if (typeof parsed.body !== 'string' || parsed.body === '') {
        return { status: 400, body: { errorMessages: [], errors: { comment: 'Comment body can not be empty!' } } };
      }
      const comment = { id: String((this.nextId += 1)), body: parsed.body, created: this.created(), author: this.botUser };
      issue.comments.push(comment);
      return { status: 201, body: { self: `https://example.atlassian.net/rest/api/2/issue/${issue.id}/comment/${comment.id}`, ...comment } };
    }
    return { status: 404, body: { errorMessages: ['null for uri: ' + request.path], errors: {} } };
  }

  /**
   * Attachments, as Jira Cloud's REST API v2 serves them: `POST /issue/{key}/attachments` takes a
   * multipart/form-data body whose parts are all named `file`, and refuses it without the
   * `X-Atlassian-Token: no-check` header (XSRF check: 403, as Atlassian documents); a file over the
   * site's limit is 413; it answers 200 with a JSON array of the attachments it added. `GET
   * /attachment/content/{id}` answers the bytes (Cloud redirects to its media store; the fake
   * answers them itself).
   */
  private attachmentRoute(request: FakeRequest, caller: JiraUser): FakeResponse | undefined {
    const upload = /^\/rest\/api\/2\/issue\/([^/]+)\/attachments$/.exec(request.path);
    if (upload?.[1] !== undefined && request.method === 'POST') {
      if ((request.headers['x-atlassian-token'] ?? '') !== 'no-check') return { status: 403, raw: Buffer.from('XSRF check failed'), headers: { 'content-type': 'text/plain;charset=UTF-8' } };
      const issue = this.find(upload[1]);
      if (issue === undefined) return { status: 404, body: NOT_FOUND };
      let parts;
      try {
        parts = parseMultipart(request.headers['content-type'], request.raw).filter((p) => p.name === 'file' && p.filename !== undefined);
      } catch (error) {
        return { status: 415, body: { errorMessages: [error instanceof Error ? error.message : String(error)], errors: {} } };
      }
      if (parts.length === 0) return { status: 400, body: { errorMessages: ['No attachments were found in the request.'], errors: {} } };
      if (parts.some((p) => p.bytes.length > this.maxAttachmentBytes)) return { status: 413, body: { errorMessages: [`The file exceeds the maximum attachment size of ${this.maxAttachmentBytes} bytes.`], errors: {} } };
      const added = parts.map((p) => {
        const id = String((this.nextId += 1));
        this.attachmentBytes.set(id, p.bytes);
        return {
          self: `https://example.atlassian.net/rest/api/2/attachments/${id}`,
          id,
          filename: p.filename ?? '',
          author: caller,
          created: this.created(),
          size: p.bytes.length,
          mimeType: p.contentType ?? 'application/octet-stream',
          content: `https://example.atlassian.net/rest/api/2/attachment/content/${id}`,
        };
      });
      issue.fields.attachment = [...((issue.fields.attachment as unknown[] | undefined) ?? []), ...added];
      return { status: 200, body: added };
    }
    const download = /^\/rest\/api\/2\/attachment\/content\/([^/]+)$/.exec(request.path);
    if (download?.[1] !== undefined && request.method === 'GET') {
      const bytes = this.attachmentBytes.get(download[1]);
      return bytes === undefined ? { status: 404, body: { errorMessages: ['The attachment with id ' + download[1] + ' does not exist'], errors: {} } } : { status: 200, raw: bytes };
    }
    return undefined;
  }

  /** The bytes of the attachment named `filename` on the issue (the last one of that name). */
  attachment(key: string, filename: string): Buffer | undefined {
    const list = (this.issue(key).fields.attachment as { id: string; filename: string }[] | undefined) ?? [];
    const found = [...list].reverse().find((a) => a.filename === filename);
    return found === undefined ? undefined : this.attachmentBytes.get(found.id);
  }

  /**
   * The routes a person's CLI calls: `myself`, `field`, create an issue (POST /issue: 201
   * `{ id, key, self }`; 400 `{ errorMessages, errors: { field: message } }` for a missing or
   * unknown field, an option that does not exist, a value of the wrong shape), link issues, read
   * the comments, and the JQL search (`/search/jql`, Cloud's; only the clauses the CLI writes).
   */
  private requesterRoute(request: FakeRequest, caller: JiraUser): FakeResponse | undefined {
    const { path, method } = request;
    if (path === '/rest/api/2/myself' && method === 'GET') return { status: 200, body: { self: `https://example.atlassian.net/rest/api/2/user?accountId=${caller.accountId}`, ...caller, timeZone: 'Etc/UTC' } };
    if (path === '/rest/api/2/field' && method === 'GET') {
      const system = [{ id: 'summary', name: 'Summary', custom: false, schema: { type: 'string', system: 'summary' } }];
      return { status: 200, body: [...system, ...Object.entries(this.fieldTypes).map(([id, schema]) => ({ id, key: id, name: FIELD_NAMES[id] ?? id, custom: true, schema: { ...schema, custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select', customId: Number(id.slice(12)) } }))] };
    }
    if (path === '/rest/api/2/issue' && method === 'POST') {
      const created = this.create(JSON.parse(request.body || '{}') as CreateBody, caller);
      if (created.status !== 201 || this.loseCreateAnswers <= 0) return created;
      // The issue exists, but the answer is lost on the way (a proxy timing out after Jira did the work).
      this.loseCreateAnswers -= 1;
      return { status: 504, body: '<html><body><h1>504 Gateway Time-out</h1></body></html>' };
    }
    const watchers = /^\/rest\/api\/2\/issue\/([^/]+)\/watchers$/.exec(path);
    if (watchers?.[1] !== undefined && method === 'POST') return this.watch(watchers[1], request.body);
    if (path === '/rest/api/2/user/search' && method === 'GET') {
      // Cloud: users whose name or email starts with the query (email only where visible).
      const query = (request.query.get('query') ?? '').toLowerCase();
      return { status: 200, body: this.knownUsers().filter((u) => query !== '' && (u.emailAddress?.toLowerCase().startsWith(query) === true || u.displayName.toLowerCase().startsWith(query))).map((u) => ({ self: `https://example.atlassian.net/rest/api/2/user?accountId=${u.accountId}`, accountType: 'atlassian', active: true, ...u })) };
    }
    if (path === '/rest/api/2/search' && (method === 'GET' || method === 'POST')) {
      // Removed from Jira Cloud (CHANGE-2046): 410 Gone with this message.
      return { status: 410, body: { errorMessages: ['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046'], errors: {} } };
    }
    if (path === '/rest/api/2/issueLink' && method === 'POST') {
      const body = JSON.parse(request.body || '{}') as { inwardIssue?: { key?: string }; outwardIssue?: { key?: string } };
      const [a, b] = [body.inwardIssue?.key ?? '', body.outwardIssue?.key ?? ''];
      if (!this.issues.has(a) || !this.issues.has(b)) return { status: 404, body: { errorMessages: ['The issue no longer exists.'], errors: {} } };
      this.link(a, b);
      return { status: 201 };
    }
    const comments = /^\/rest\/api\/2\/issue\/([^/]+)\/comment$/.exec(path);
    if (comments?.[1] !== undefined && method === 'GET') {
      const issue = this.issues.get(comments[1]);
      if (issue === undefined) return { status: 404, body: NOT_FOUND };
      return { status: 200, body: { startAt: 0, maxResults: 100, total: issue.comments.length, comments: issue.comments.map((c) => ({ self: '', ...c, updated: c.created })) } };
    }
    if (path === '/rest/api/2/search/jql' && method === 'GET') {
      const jql = request.query.get('jql') ?? '';
      const reporter = /(?:^|\s)reporter = currentUser\(\)/.test(jql);
      const notEmpty = [...jql.matchAll(/cf\[(\d+)\] is not EMPTY/g)].map((m) => `customfield_${m[1] ?? ''}`);
      const project = /(?:^|\s)project = "([^"]+)"/.exec(jql)?.[1];
      const label = /(?:^|\s)labels = "([^"]+)"/.exec(jql)?.[1];
      const found = [...this.issues.values()]
        .filter((i) => project === undefined || (i.fields.project as { key?: string } | undefined)?.key === project || i.key.startsWith(`${project}-`))
        .filter((i) => label === undefined || ((i.fields.labels as string[] | undefined) ?? []).some((l) => l === label || (this.labelsIgnoreCase && l.toLowerCase() === label.toLowerCase())))
        .filter((i) => !reporter || (i.fields.reporter as JiraUser | undefined)?.accountId === caller.accountId)
        .filter((i) => notEmpty.every((f) => i.fields[f] !== undefined && i.fields[f] !== null))
        .filter((i) => this.now() - (this.createdAtMs.get(i.key) ?? 0) >= this.searchLagMs)
        .reverse();
      // `status` carries its category, as on a read of the issue.
      const fields = (i: Issue) => ({ ...i.fields, status: { ...i.fields.status, statusCategory: statusCategory(i.fields.status.name) } });
      return { status: 200, body: { issues: found.map((i) => ({ id: i.id, key: i.key, self: `https://example.atlassian.net/rest/api/2/issue/${i.id}`, fields: fields(i) })), isLast: true } };
    }
    return undefined;
  }

  /** Every account this site knows of: the bot, people with accounts, reporters and commenters. */
  private knownUsers(): JiraUser[] {
    const users = new Map<string, JiraUser>([[this.botUser.accountId, this.botUser], ...[...this.accounts.values()].map((a) => [a.user.accountId, a.user] as const)]);
    for (const issue of this.issues.values()) {
      const reporter = issue.fields.reporter as JiraUser | undefined;
      if (reporter !== undefined) users.set(reporter.accountId, reporter);
      for (const h of issue.histories) users.set(h.author.accountId, h.author);
    }
    for (const u of this.extraUsers) users.set(u.accountId, u);
    return [...users.values()];
  }

  /**
   * How long (Jira's clock) a new issue stays out of JQL search results: Jira Cloud's search index
   * is eventually consistent (Atlassian's search/jql notes: recently created issues may be missing
   * unless `reconcileIssues` names them).
   */
  searchLagMs = 0;
  private readonly createdAtMs = new Map<string, number>();

  /** Creates that succeed but whose answer is lost (504 from a proxy in front of Jira). */
  loseCreateAnswers = 0;

  /** Accounts that exist on the site without having done anything yet (e.g. a profile's approvers). */
  readonly extraUsers: JiraUser[] = [];

  /** POST /issue/{key}/watchers: the body is the account id as a JSON string; 204, or 404 for an unknown issue or user. */
  private watch(key: string, body: string): FakeResponse {
    const issue = this.find(key);
    if (issue === undefined) return { status: 404, body: NOT_FOUND };
    let accountId: unknown;
    try {
      accountId = JSON.parse(body);
    } catch {
      accountId = undefined;
    }
    if (typeof accountId !== 'string' || !this.knownUsers().some((u) => u.accountId === accountId)) {
      return { status: 404, body: { errorMessages: [`The user with account ID '${String(accountId)}' does not exist`], errors: {} } };
    }
    issue.watchers = [...new Set([...(issue.watchers ?? []), accountId])];
    return { status: 204 };
  }

  /** Who watches an issue (account ids). */
  watchersOf(key: string): string[] {
    return [...(this.issue(key).watchers ?? [])];
  }

  private create(body: CreateBody, caller: JiraUser): FakeResponse {
    const fields = body.fields ?? {};
    const errors: Record<string, string> = {};
    const project = (fields.project as { key?: unknown } | undefined)?.key;
    if (typeof project !== 'string' || !/^[A-Z][A-Z0-9]+$/.test(project)) errors.project = 'Specify a valid project ID or key';
    if (typeof fields.summary !== 'string' || fields.summary.trim() === '') errors.summary = 'You must specify a summary of the issue.';
    if (typeof (fields.issuetype as { name?: unknown } | undefined)?.name !== 'string') errors.issuetype = 'Specify an issue type';
    for (const [id, value] of Object.entries(fields)) {
      if (!id.startsWith('customfield_')) continue;
      const schema = this.fieldTypes[id];
      if (schema === undefined) errors[id] = `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`;
      else if (schema.type === 'option' && typeof (value as { value?: unknown } | null)?.value !== 'string') errors[id] = `Specify a valid 'id' or 'name' for ${FIELD_NAMES[id] ?? id}`;
      else if (schema.type === 'array' && !Array.isArray(value)) errors[id] = `data was not an array`;
      else if (schema.type === 'string' && typeof value !== 'string') errors[id] = 'Operation value must be a string';
    }
    if (fields.labels !== undefined && (!Array.isArray(fields.labels) || fields.labels.some((l) => typeof l !== 'string' || /\s/.test(l)))) errors.labels = 'The label can\'t contain spaces.';
    const links = (body.update?.issuelinks ?? []).map((l) => l.add?.outwardIssue?.key ?? l.add?.inwardIssue?.key ?? '');
    if (links.some((k) => this.find(k) === undefined)) errors.issuelinks = 'Issue does not exist or you do not have permission to see it.';
    if (Object.keys(errors).length > 0) return { status: 400, body: { errorMessages: [], errors } };
    let number = this.firstIssueNumber;
    while (this.issues.has(`${String(project)}-${number}`)) number += 1;
    const key = `${String(project)}-${number}`;
    const { project: _p, issuetype, ...rest } = fields;
    this.createIssue({ key, reporter: caller, summary: String(fields.summary), fields: rest });
    const issue = this.issue(key);
    issue.fields.issuetype = { id: '10002', name: (issuetype as { name: string }).name, subtask: false };
    issue.fields.created = this.created();
    issue.fields.creator = caller;
    this.createdAtMs.set(key, this.now());
    for (const other of links) this.link(key, this.find(other)?.key ?? other);
    return { status: 201, body: { id: issue.id, key, self: `https://example.atlassian.net/rest/api/2/issue/${issue.id}` } };
  }
}
