import * as z from 'zod';
import { TicketSourceError } from '../../errors.js';
import type { ReviewTaskRef, ReviewTaskRequest, ReviewTaskSystem } from '../../ports/review-tasks.js';
import type { ServiceNowClient } from './servicenow-client.js';

const SYS_ID = /^[0-9a-f]{32}$/;
const CHANGE_NUMBER = /^[A-Z]{2,10}\d{4,12}$/;
const MARKER = /^[a-z0-9-]+$/;
/** change_task.state (from task): 3 is Closed Complete. */
const CLOSED_COMPLETE = '3';
const TABLE = 'change_task';

const taskSchema = z.looseObject({ sys_id: z.string().regex(SYS_ID), number: z.string(), state: z.string().optional() });
const idList = z.array(z.looseObject({ sys_id: z.string().regex(SYS_ID) }));

/**
 * Review tasks as ServiceNow change tasks (`change_task`) of the lease's change: `change_request`
 * set, `correlation_id` the lease's marker (found again by a Table API query on it), the profile's
 * approver group as `assignment_group`; evidence is added as a work note.
 */
export class ServiceNowReviewTasks implements ReviewTaskSystem {
  constructor(
    private readonly client: ServiceNowClient,
    private readonly instanceUrl: string,
  ) {}

  async find(marker: string): Promise<ReviewTaskRef | undefined> {
    if (!MARKER.test(marker)) throw new TicketSourceError(`not a review marker: ${marker.slice(0, 60)}`, undefined);
    const list = z.array(taskSchema).safeParse(await this.client.query(TABLE, `correlation_id=${marker}`, ['sys_id', 'number', 'state'], 1));
    if (!list.success) throw new TicketSourceError('ServiceNow returned change tasks of unexpected shape', undefined, { cause: list.error });
    const task = list.data[0];
    return task === undefined ? undefined : this.ref(task.sys_id, task.number);
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
    await this.client.patch(TABLE, task.id, { work_notes: text });
  }

  async isDone(task: ReviewTaskRef): Promise<boolean> {
    const parsed = taskSchema.safeParse(await this.client.getRecord(TABLE, task.id, ['sys_id', 'number', 'state']));
    if (!parsed.success) throw new TicketSourceError(`ServiceNow returned ${task.key} in an unexpected shape`, undefined, { cause: parsed.error });
    return parsed.data.state === CLOSED_COMPLETE;
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
