import * as z from 'zod';
import type { Lease } from '../../domain/lease.js';
import { closedTooEarly, notTheLeasesTask, REPOINTED_TASK, reviewMarker } from '../../domain/review-task.js';
import { journalText } from '../../domain/servicenow-journal.js';
import { TicketSourceError } from '../../errors.js';
import type { FoundReviewTasks, ReviewTaskRef, ReviewTaskRequest, ReviewTaskState, ReviewTaskSystem } from '../../ports/review-tasks.js';
import type { ServiceNowClient } from './servicenow-client.js';

const SYS_ID = /^[0-9a-f]{32}$/;
const CHANGE_NUMBER = /^[A-Z]{2,10}\d{4,12}$/;
const MARKER = /^[a-z0-9-]+$/;
/** change_task.state (from task): 3 is Closed Complete. */
const CLOSED_COMPLETE = '3';
const TABLE = 'change_task';

/** change_task states that are closed: Closed Complete, Closed Incomplete, Closed Skipped. */
const CLOSED = ['3', '4', '7'];

const taskSchema = z.looseObject({
  sys_id: z.string().regex(SYS_ID),
  number: z.string(),
  state: z.string().optional(),
  sys_created_by: z.string().optional(),
  sys_created_on: z.string().optional(),
  change_request: z.string().optional(),
  correlation_id: z.string().optional(),
});
const idList = z.array(z.looseObject({ sys_id: z.string().regex(SYS_ID) }));
const auditRows = z.array(z.looseObject({ sys_id: z.string(), fieldname: z.string(), newvalue: z.string(), user: z.string(), record_checkpoint: z.string().optional(), sys_created_on: z.string().optional() }));
/** A Table API time (`yyyy-MM-dd HH:mm:ss`, UTC) as ISO 8601; anything else as it is (it does not parse). */
const utc = (time: string | undefined) => (time !== undefined && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(time) ? `${time.replace(' ', 'T')}Z` : time);
const userList = z.array(z.looseObject({ sys_id: z.string(), email: z.string().optional(), active: z.string().optional(), web_service_access_only: z.string().optional() }));
/** Tasks carrying a marker read at once: kube-lease's own among them, and any planted beside it. */
const FOUND_LIMIT = 20;

/**
 * Review tasks as ServiceNow change tasks (`change_task`) of the lease's change: `change_request`
 * set, `correlation_id` the lease's marker (found again by a Table API query on it), the profile's
 * approver group as `assignment_group`; evidence is added as a work note. Only an open task of the
 * lease's change that kube-lease's integration user created (`sys_created_by`) after the lease was
 * recorded (`sys_created_on`), whose marker and change its audit history (sys_audit) never shows
 * updated, is its task; a closing counts only when that still holds and the audit history shows a
 * person other than the requester and the integration user set it to Closed Complete after the
 * task was recorded.
 */
export class ServiceNowReviewTasks implements ReviewTaskSystem {
  constructor(
    private readonly client: ServiceNowClient,
    private readonly instanceUrl: string,
    /** The integration user's `user_name` (`SERVICENOW_USER`): the creator of every task of kube-lease's. */
    private readonly user: string | undefined,
  ) {}

  async find(lease: Lease, marker: string): Promise<FoundReviewTasks> {
    if (!MARKER.test(marker)) throw new TicketSourceError(`not a review marker: ${marker.slice(0, 60)}`, undefined);
    const list = z.array(taskSchema).safeParse(await this.client.query(TABLE, `correlation_id=${marker}^ORDERBYsys_created_on`, ['sys_id', 'number', 'state', 'sys_created_by', 'sys_created_on', 'change_request'], FOUND_LIMIT));
    if (!list.success) throw new TicketSourceError('ServiceNow returned change tasks of unexpected shape', undefined, { cause: list.error });
    const change = list.data.length === 0 ? undefined : await this.changeOf(lease.ticketId, lease.ticketKey);
    let own: ReviewTaskRef | undefined;
    const planted: FoundReviewTasks['planted'][number][] = [];
    for (const task of list.data) {
      const ref = this.ref(task.sys_id, task.number);
      if (!this.isIntegration(task.sys_created_by)) planted.push(ref);
      else if (task.change_request !== change) planted.push({ ...ref, why: 'it belongs to another change' });
      else {
        // Kube-lease's own, but an earlier lease's re-pointed at this change and marker, or closed: not this lease's.
        const early = notTheLeasesTask(lease, utc(task.sys_created_on), CLOSED.includes(task.state ?? ''));
        const why = early ?? (own === undefined && (await this.repointed(task.sys_id)) ? REPOINTED_TASK : undefined);
        if (own === undefined && why === undefined) own = ref;
        else planted.push({ ...ref, why: why ?? 'another task of kube-lease\'s carries the marker too' });
      }
    }
    return { own, planted };
  }

  async open(request: ReviewTaskRequest): Promise<ReviewTaskRef> {
    const { lease, content, marker } = request;
    const [change, group] = await Promise.all([this.changeOf(lease.ticketId, lease.ticketKey), request.approverGroup === undefined ? undefined : this.groupOf(request.approverGroup)]);
    const raw = await this.client.create(TABLE, {
      change_request: change,
      short_description: content.summary,
      description: content.description,
      correlation_id: marker,
      correlation_display: 'kube-lease',
      ...(group === undefined ? {} : { assignment_group: group }),
    });
    const parsed = taskSchema.safeParse(raw);
    if (!parsed.success) throw new TicketSourceError('ServiceNow answered the change task creation with an unexpected body', undefined, { cause: parsed.error });
    return this.ref(parsed.data.sys_id, parsed.data.number);
  }

  /** The assignment group, set at creation, is how ServiceNow tells the approvers. */
  notify(): Promise<void> {
    return Promise.resolve();
  }

  async comment(task: ReviewTaskRef, text: string): Promise<void> {
    await this.client.patch(TABLE, task.id, { work_notes: journalText(text) });
  }

  async isDone(task: ReviewTaskRef, lease: Lease): Promise<ReviewTaskState> {
    const parsed = taskSchema.safeParse(await this.client.getRecord(TABLE, task.id, ['sys_id', 'number', 'state', 'correlation_id', 'change_request']));
    if (!parsed.success) throw new TicketSourceError(`ServiceNow returned ${task.key} in an unexpected shape`, undefined, { cause: parsed.error });
    if (parsed.data.state !== CLOSED_COMPLETE) return { done: false };
    // Who set the state to Closed Complete, from the audit history: the record's own fields (closed_by) are a writer's to set.
    const query = `tablename=${TABLE}^documentkey=${task.id}^fieldnameINstate^ORDERBYDESCsys_created_on`;
    const rows = auditRows.safeParse(await this.client.query('sys_audit', query, ['sys_id', 'fieldname', 'newvalue', 'user', 'record_checkpoint', 'sys_created_on'], 20));
    if (!rows.success) throw new TicketSourceError('ServiceNow returned audit records of unexpected shape', undefined, { cause: rows.error });
    const closing = [...rows.data].sort((a, b) => Number(b.record_checkpoint ?? 0) - Number(a.record_checkpoint ?? 0)).find((r) => r.fieldname === 'state' && r.newvalue === CLOSED_COMPLETE);
    if (closing === undefined) return { done: false, notCounted: 'its audit history (sys_audit) does not show who closed it: is change_task audited, and may the integration user read sys_audit?', closing: 'unknown' };
    // The task as recorded, still the lease's: its marker and change kept (and never re-pointed), closed after it was recorded.
    const moved = parsed.data.correlation_id !== reviewMarker(lease.id) || parsed.data.change_request !== (await this.changeOf(lease.ticketId, lease.ticketKey));
    const early = moved
      ? 'it no longer carries the lease\'s review marker and change (correlation_id, change_request)'
      : (closedTooEarly(lease.review?.key === task.key ? lease.review : undefined, utc(closing.sys_created_on)) ?? ((await this.repointed(task.id)) ? REPOINTED_TASK : undefined));
    if (early !== undefined) return { done: false, notCounted: early, closing: closing.sys_id };
    const by = closing.user;
    if (this.isIntegration(by)) return { done: false, closedBy: by, notCounted: 'it was closed by kube-lease\'s own integration user', closing: closing.sys_id };
    const people = userList.safeParse(/^[^,^=]+$/.test(by) ? await this.client.query('sys_user', `user_name=${by}`, ['sys_id', 'email', 'active', 'web_service_access_only'], 1) : []);
    const person = people.success ? people.data[0] : undefined;
    const requester = lease.requester;
    let notCounted: string | undefined;
    if (person === undefined) notCounted = 'the user who closed it could not be read';
    else if (person.sys_id === requester.id || (person.email !== undefined && person.email !== '' && person.email.toLowerCase() === requester.email?.toLowerCase())) notCounted = 'it was closed by the lease\'s requester';
    else if (person.active !== 'true' || person.web_service_access_only === 'true') notCounted = 'it was closed by an account that is not an active person';
    return notCounted === undefined ? { done: true, closedBy: by } : { done: false, closedBy: by, notCounted, closing: closing.sys_id };
  }

  /**
   * Whether the task's marker or change (`correlation_id`, `change_request`) was ever updated after
   * it was created: an update row in its audit history (sys_audit; an insert's rows, where audited,
   * are checkpoint 0). Kube-lease never updates either, so a task with one was re-pointed by someone.
   */
  private async repointed(sysId: string): Promise<boolean> {
    const query = `tablename=${TABLE}^documentkey=${sysId}^fieldnameINcorrelation_id,change_request^record_checkpoint!=0`;
    const rows = auditRows.safeParse(await this.client.query('sys_audit', query, ['sys_id', 'fieldname', 'newvalue', 'user', 'record_checkpoint', 'sys_created_on'], 5));
    if (!rows.success) throw new TicketSourceError('ServiceNow returned audit records of unexpected shape', undefined, { cause: rows.error });
    return rows.data.some((r) => r.record_checkpoint !== '0');
  }

  private isIntegration(userName: string | undefined): boolean {
    return this.user !== undefined && userName !== undefined && userName.toLowerCase() === this.user.toLowerCase();
  }

  /** The change's sys_id: the lease's ticket id, or (a lease recorded before ids) read by its number. */
  private async changeOf(ticketId: string | undefined, ticketKey: string): Promise<string> {
    if (ticketId !== undefined && SYS_ID.test(ticketId)) return ticketId;
    if (!CHANGE_NUMBER.test(ticketKey)) throw new TicketSourceError(`not a change number: ${ticketKey.slice(0, 60)}`, undefined);
    const list = idList.safeParse(await this.client.query('change_request', `number=${ticketKey}`, ['sys_id'], 1));
    const found = list.success ? list.data[0]?.sys_id : undefined;
    if (found === undefined) throw new TicketSourceError(`ServiceNow has no change ${ticketKey}`, undefined);
    return found;
  }

  /** An approver group by name; an unknown one leaves the task unassigned rather than failing it. */
  private async groupOf(name: string): Promise<string | undefined> {
    if (!/^[^,^=]+$/.test(name)) return undefined;
    const list = idList.safeParse(await this.client.query('sys_user_group', `name=${name}`, ['sys_id'], 1));
    return list.success ? list.data[0]?.sys_id : undefined;
  }

  private ref(sysId: string, number: string): ReviewTaskRef {
    return { system: 'servicenow', id: sysId, key: number, url: `${this.instanceUrl.replace(/\/+$/, '')}/${TABLE}.do?sys_id=${sysId}` };
  }
}
