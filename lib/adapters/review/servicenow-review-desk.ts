import * as z from 'zod';
import type { PackFile } from '../../domain/review-digest.js';
import { journalText } from '../../domain/servicenow-journal.js';
import { TicketNotFoundError, TicketSourceError } from '../../errors.js';
import type { FiledTicket, ReviewDesk, ReviewTicketState } from '../../ports/review-desk.js';
import { deskCall, type DeskRequest } from './desk-http.js';

/** Where and how review packs are filed in ServiceNow. */
export interface ServiceNowDeskSettings {
  readonly instanceUrl: string;
  readonly user: string;
  readonly password: () => Promise<string>;
  /** The task table (`task`, `sc_task`, `vtb_task`…). */
  readonly table: string;
  /** `state` values that are a sign-off (3: Closed Complete). */
  readonly closedStates: readonly string[];
}

const record = z.looseObject({ sys_id: z.string(), number: z.string() });
const one = z.looseObject({ result: record });
const many = z.looseObject({ result: z.array(z.looseObject({ sys_id: z.string(), number: z.string(), state: z.string().optional(), description: z.string().optional(), closed_by: z.string().optional(), closed_at: z.string().optional(), sys_created_by: z.string().optional() })) });
const attachments = z.looseObject({ result: z.array(z.looseObject({ sys_id: z.string(), file_name: z.string(), content_type: z.string().optional() })) });
const user = z.looseObject({ result: z.looseObject({ email: z.string().optional(), user_name: z.string().optional(), name: z.string().optional() }) });
const notes = z.looseObject({ result: z.array(z.looseObject({ value: z.string() })) });

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new TicketSourceError(`ServiceNow's answer to ${what} is not what its API documents`, undefined, { cause: result.error });
  return result.data;
}

/**
 * Review packs in ServiceNow: a record of the configured task table with `correlation_id`
 * `kube-lease-review-<period>` (how a rerun finds it), the pack attached through the Attachment API
 * (one `POST /api/now/attachment/file` per file, the bytes as the body), findings as tasks whose
 * `parent` is the review and whose `correlation_id` names the finding.
 */
export function makeServiceNowReviewDesk(s: ServiceNowDeskSettings): ReviewDesk {
  const call = async (request: DeskRequest) => deskCall('ServiceNow', s.instanceUrl, { user: s.user, secret: await s.password() }, request);
  const table = encodeURIComponent(s.table);
  const url = (sysId: string) => `${s.instanceUrl.replace(/\/+$/, '')}/nav_to.do?uri=${encodeURIComponent(`${s.table}.do?sys_id=${sysId}`)}`;
  const list = async (clause: string, what: string, limit: number) => {
    const q = new URLSearchParams({ sysparm_query: clause, sysparm_fields: 'sys_id,number,state,description,closed_by,closed_at,sys_created_by', sysparm_limit: String(limit), sysparm_exclude_reference_link: 'true' });
    return parsed(many, (await call({ method: 'GET', path: `/api/now/table/${table}?${q}`, what })).json, what).result;
  };
  const query = async (clause: string, what: string) => (await list(clause, what, 1))[0];
  /** Created by kube-lease's integration user (`sys_created_by`, set by the instance). */
  const isOwn = (r: { readonly sys_created_by?: string | undefined }) => r.sys_created_by?.toLowerCase() === s.user.toLowerCase();
  const byNumber = async (key: string, what: string) => {
    const found = await query(`number=${key}`, what);
    if (found === undefined) throw new TicketNotFoundError(key);
    return found;
  };
  const create = async (body: Record<string, string>, what: string): Promise<FiledTicket & { sysId: string }> => {
    const r = parsed(one, (await call({ method: 'POST', path: `/api/now/table/${table}`, what, body })).json, what).result;
    return { key: r.number, url: url(r.sys_id), sysId: r.sys_id };
  };

  return {
    system: 'servicenow',
    async find(period) {
      const found = await list(`correlation_id=kube-lease-review-${period}^ORDERBYsys_created_on`, `find the review task of ${period}`, 20);
      const own = found.find(isOwn);
      const ticket = (r: { number: string; sys_id: string }) => ({ key: r.number, url: url(r.sys_id) });
      return { ...(own === undefined ? {} : { own: ticket(own) }), planted: found.filter((r) => r !== own).map(ticket) };
    },
    async open({ period, title, description }) {
      const { key, url: link } = await create({ short_description: title, description, correlation_id: `kube-lease-review-${period}` }, `open the review task of ${period}`);
      return { key, url: link };
    },
    async attach(key: string, files: readonly PackFile[]): Promise<void> {
      const task = await byNumber(key, `find ${key} to attach the pack`);
      for (const f of files) {
        const q = new URLSearchParams({ table_name: s.table, table_sys_id: task.sys_id, file_name: f.name });
        const what = `attach ${f.name} to ${key}`;
        const answer = await call({ method: 'POST', path: `/api/now/attachment/file?${q}`, what, body: f.bytes, contentType: f.contentType });
        const stored = z.looseObject({ result: z.looseObject({ file_name: z.string() }) }).safeParse(answer.json);
        if (!stored.success || stored.data.result.file_name !== f.name) throw new TicketSourceError(`ServiceNow did not confirm ${f.name} as attached to ${key}`, answer.status);
      }
    },
    async read(key: string): Promise<ReviewTicketState> {
      const task = await byNumber(key, `read the review task ${key}`);
      const what = `list the attachments of ${key}`;
      const list = parsed(attachments, (await call({ method: 'GET', path: `/api/now/attachment?${new URLSearchParams({ sysparm_query: `table_name=${s.table}^table_sys_id=${task.sys_id}` })}`, what })).json, what).result;
      const files: PackFile[] = [];
      for (const a of list) {
        const content = await call({ method: 'GET', path: `/api/now/attachment/${encodeURIComponent(a.sys_id)}/file`, what: `download ${a.file_name} from ${key}`, headers: { accept: '*/*' } });
        files.push({ name: a.file_name, contentType: a.content_type ?? 'application/octet-stream', bytes: content.bytes });
      }
      const signedOff = s.closedStates.includes(task.state ?? '');
      let by: string | undefined;
      if (signedOff && task.closed_by !== undefined && task.closed_by !== '') {
        const who = parsed(user, (await call({ method: 'GET', path: `/api/now/table/sys_user/${encodeURIComponent(task.closed_by)}?sysparm_fields=email,user_name,name`, what: `read who closed ${key}` })).json, `read who closed ${key}`).result;
        by = who.email || who.user_name || who.name || task.closed_by;
      }
      const at = task.closed_at === undefined || task.closed_at === '' ? undefined : `${task.closed_at.replace(' ', 'T')}Z`;
      return { key, url: url(task.sys_id), status: `state ${task.state ?? ''}`, signedOff, signedOffBy: by, signedOffAt: signedOff ? at : undefined, description: task.description ?? '', files };
    },
    async note(key: string, marker: string, text: string): Promise<'added' | 'present'> {
      const task = await byNumber(key, `find ${key} to note the sign-off`);
      const what = `read the work notes of ${key}`;
      const q = new URLSearchParams({ sysparm_query: `element_id=${task.sys_id}^element=work_notes`, sysparm_fields: 'value', sysparm_limit: '100' });
      const existing = parsed(notes, (await call({ method: 'GET', path: `/api/now/table/sys_journal_field?${q}`, what })).json, what).result;
      if (existing.some((n) => n.value.startsWith(marker))) return 'present';
      await call({ method: 'PATCH', path: `/api/now/table/${table}/${encodeURIComponent(task.sys_id)}`, what: `note the sign-off on ${key}`, body: { work_notes: journalText(text) } });
      return 'added';
    },
    async finding(key, finding) {
      const correlation = `kube-lease-finding-${finding.id}`;
      const found = (await list(`correlation_id=${correlation}^ORDERBYsys_created_on`, `find the finding ${finding.id}`, 20)).find(isOwn);
      if (found !== undefined) return { key: found.number, url: url(found.sys_id), created: false };
      const parent = await byNumber(key, `find ${key} to link a finding`);
      const { key: k, url: link } = await create({ short_description: finding.title, description: finding.text, correlation_id: correlation, parent: parent.sys_id }, `open a finding of ${key}`);
      return { key: k, url: link, created: true };
    },
  };
}
