import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';

export interface SnUser {
  readonly sys_id: string;
  readonly user_name: string;
  readonly email: string;
  readonly name: string;
  /** Table API booleans are the strings "true" and "false". */
  readonly active: string;
  readonly web_service_access_only: string;
}

type Record_ = Record<string, string>;

const NOT_FOUND = { error: { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" }, status: 'failure' };

export const sysId = (): string => randomBytes(16).toString('hex');

/** `2026-11-28 10:00:00`, the Table API's UTC date-time format. */
export function snDate(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

/**
 * The ServiceNow Table API routes kube-lease calls: change_request (GET by sys_id, GET by number
 * query, PATCH work notes), sys_user (GET) and sysapproval_approver (GET by query). Answers with
 * `{ result }` bodies and ServiceNow's `{ error: { message, detail }, status: "failure" }` errors.
 */
export class FakeServiceNow extends FakeHttpServer {
  readonly users = new Map<string, SnUser>();
  readonly changes = new Map<string, Record_>();
  readonly approvals: Record_[] = [];
  readonly workNotes = new Map<string, string[]>();
  /** Records of other tables (e.g. incident), by table and sys_id. */
  readonly tables = new Map<string, Map<string, Record_>>();
  /** Group names by user sys_id. */
  readonly groups = new Map<string, string[]>();
  /** sys_audit rows: one per changed field per update of an audited record (change_request is audited). */
  readonly audit: Record_[] = [];
  /**
   * Whether the integration user may read sys_audit. Without the ACL, ServiceNow filters the rows
   * silently: the query answers 200 with an empty result.
   */
  auditReadable = true;
  /** Records of task tables (REVIEW_SERVICENOW_TABLE: `task` by default), by sys_id. */
  readonly tasks = new Map<string, Record_>();
  readonly taskTables = new Set(['task']);
  /** sys_attachment records with their bytes, by sys_id. */
  readonly attachments = new Map<string, { readonly meta: Record_; readonly bytes: Buffer }>();
  /** The instance's attachment size limit (com.glide.attachment.max_size; tests lower it). */
  maxAttachmentBytes = 10 * 1024 * 1024;
  /** Whether the integration user may create attachments (an ACL on sys_attachment). */
  attachmentsWritable = true;
  private nextNumber = 30_000;
  /** People's own passwords, by user_name: requesters call the Table API as themselves. */
  private readonly passwords = new Map<string, string>();

  constructor(
    private readonly user = 'kube-lease.integration',
    private readonly password = 'fake-sn-password',
    /** ServiceNow's clock; tests pass theirs so both move together. */
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  addUser(userName: string, email: string, name: string, options: { active?: boolean; webServiceOnly?: boolean } = {}): SnUser {
    const user = {
      sys_id: sysId(),
      user_name: userName,
      email,
      name,
      active: String(options.active ?? true),
      web_service_access_only: String(options.webServiceOnly ?? false),
    };
    this.users.set(user.sys_id, user);
    return user;
  }

  /** Lets `user` call the Table API as themselves with `password` (Basic auth). */
  setPassword(user: SnUser, password: string): void {
    this.passwords.set(user.user_name, password);
  }

  /** Who a request's Basic credentials are: kube-lease's integration user, a person with a password, or nobody. */
  private caller(authorization: string | undefined): string | undefined {
    const decoded = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
    if (decoded === undefined) return undefined;
    const text = Buffer.from(decoded, 'base64').toString('utf8');
    const at = text.indexOf(':');
    const [name, password] = [text.slice(0, at), text.slice(at + 1)];
    if (name === this.user) return password === this.password ? name : undefined;
    return this.passwords.get(name) === password ? name : undefined;
  }

  /**
   * Updates a change as `by` would in a form: changed fields are set, `sys_mod_count` goes up and
   * sys_audit gets one row per changed field with that count as `record_checkpoint`.
   */
  update(change: Record_, fields: Record_, by: SnUser | string = 'system'): void {
    const changed = Object.entries(fields).filter(([field, value]) => change[field] !== value);
    if (changed.length === 0) return;
    const checkpoint = String(Number(change.sys_mod_count ?? '0') + 1);
    for (const [field, value] of changed) {
      this.audit.push({
        sys_id: sysId(),
        tablename: 'change_request',
        documentkey: change.sys_id ?? '',
        fieldname: field,
        oldvalue: change[field] ?? '',
        newvalue: value,
        user: typeof by === 'string' ? by : by.user_name,
        record_checkpoint: checkpoint,
        sys_created_on: snDate(this.now()),
      });
      change[field] = value;
    }
    change.sys_mod_count = checkpoint;
    change.sys_updated_on = snDate(this.now());
  }

  /** A change request in state Assess, approval requested. */
  createChange(requester: SnUser, fields: Record_): Record_ {
    const change: Record_ = {
      sys_id: sysId(),
      number: `CHG00${(this.nextNumber += 1)}`,
      state: '-4',
      approval: 'requested',
      short_description: 'Payments pods crash-looping',
      justification: 'INC0012345: payments outage, need read access',
      requested_by: requester.sys_id,
      start_date: '',
      end_date: '',
      sys_updated_on: snDate(this.now()),
      sys_mod_count: '0',
      ...fields,
    };
    // An insert is audited too, at checkpoint 0.
    for (const [field, value] of Object.entries(change)) {
      if (field.startsWith('sys_') || value === '') continue;
      this.audit.push({ sys_id: sysId(), tablename: 'change_request', documentkey: change.sys_id ?? '', fieldname: field, oldvalue: '', newvalue: value, user: requester.user_name, record_checkpoint: '0', sys_created_on: snDate(this.now()) });
    }
    this.changes.set(change.sys_id ?? '', change);
    this.workNotes.set(change.number ?? '', []);
    return change;
  }

  /** Records an approval by `approver` and moves the change to `state` (default Scheduled), as one update. */
  approve(change: Record_, approver: SnUser, state = '-2'): void {
    this.approvals.push({ sys_id: sysId(), sysapproval: change.sys_id ?? '', approver: approver.sys_id, state: 'approved', sys_updated_on: snDate(this.now()), sys_updated_by: approver.user_name });
    this.update(change, { approval: 'approved', state }, approver);
  }

  /** One approver of several approves; the change stays `requested` until the last one does (approve()). */
  approveStep(change: Record_, approver: SnUser): void {
    this.approvals.push({ sys_id: sysId(), sysapproval: change.sys_id ?? '', approver: approver.sys_id, state: 'approved', sys_updated_on: snDate(this.now()), sys_updated_by: approver.user_name });
  }

  /** A new approval round: earlier approvals become "not_required", as ServiceNow does on re-approval. */
  reapprove(change: Record_, approver: SnUser): void {
    for (const record of this.approvals) if (record.sysapproval === change.sys_id) record.state = 'not_required';
    this.update(change, { approval: 'requested' }, 'system');
    this.approve(change, approver, change.state);
  }

  /** An incident in `state` (1 New, 2 In Progress, 6 Resolved, 7 Closed). */
  addIncident(state: string): Record_ {
    const incident = { sys_id: sysId(), number: `INC00${(this.nextNumber += 1)}`, state };
    const table = this.tables.get('incident') ?? new Map<string, Record_>();
    table.set(incident.sys_id, incident);
    this.tables.set('incident', table);
    return incident;
  }

  /** Closes a task as `by` would in its form: `state` (3, Closed Complete, by default), closed_by and closed_at set. */
  closeTask(number: string, by: SnUser, state = '3'): Record_ {
    const task = [...this.tasks.values(), ...this.changeTasks()].find((t) => t.number === number);
    if (task === undefined) throw new Error(`fake ServiceNow has no task ${number}`);
    this.auditTask(task, { state }, by.user_name);
    Object.assign(task, { state, closed_by: by.sys_id, closed_at: snDate(this.now()), sys_updated_on: snDate(this.now()), sys_updated_by: by.user_name });
    return task;
  }

  /** Updates a task's fields as `by` would in its form (audited as any update of a change task). */
  editTask(number: string, fields: Record_, by: SnUser): Record_ {
    const task = [...this.tasks.values(), ...this.changeTasks()].find((t) => t.number === number);
    if (task === undefined) throw new Error(`fake ServiceNow has no task ${number}`);
    this.auditTask(task, fields, by.user_name);
    Object.assign(task, fields, { sys_updated_on: snDate(this.now()), sys_updated_by: by.user_name });
    return task;
  }

  /** Whether change_task is audited (sys_audit rows for its updates), as on instances that audit it. */
  changeTasksAudited = true;

  /** sys_audit rows for an update of a change task by `user` (one per changed field, the update count as checkpoint). */
  private auditTask(task: Record_, fields: Record_, user: string): void {
    if (task.sys_class_name !== 'change_task' || !this.changeTasksAudited) return;
    const changed = Object.entries(fields).filter(([field, value]) => field !== 'work_notes' && task[field] !== value);
    if (changed.length === 0) return;
    const checkpoint = String(Number(task.sys_mod_count ?? '0') + 1);
    for (const [field, value] of changed) {
      this.audit.push({ sys_id: sysId(), tablename: 'change_task', documentkey: task.sys_id ?? '', fieldname: field, oldvalue: task[field] ?? '', newvalue: value, user, record_checkpoint: checkpoint, sys_created_on: snDate(this.now()) });
    }
    task.sys_mod_count = checkpoint;
  }

  /** The bytes of the attachment named `fileName` on the record. */
  attachmentOf(recordSysId: string, fileName: string): Buffer | undefined {
    return [...this.attachments.values()].find((a) => a.meta.table_sys_id === recordSysId && a.meta.file_name === fileName)?.bytes;
  }

  /**
   * The Table API on task tables: create (201 with the whole record, a TASK number, state 1
   * Open), query by `correlation_id=` or `number=`, read, and update (a `work_notes` value is added
   * to the record's journal).
   */
  private taskRoute(request: FakeRequest, caller: string): FakeResponse | undefined {
    const m = /^\/api\/now\/table\/([a-z_]+)(?:\/([0-9a-f]{32}))?$/.exec(request.path);
    if (m?.[1] === undefined || !this.taskTables.has(m[1])) return undefined;
    const id = m[2];
    const fields = request.query.get('sysparm_fields')?.split(',');
    const pick = (record: Record_): Record_ => (fields === undefined ? record : Object.fromEntries(fields.map((f) => [f, record[f] ?? ''])));
    if (id === undefined && request.method === 'POST') {
      const body = JSON.parse(request.body || '{}') as Record_;
      const opener = [...this.users.values()].find((u) => u.user_name === caller);
      const task: Record_ = { state: '1', active: 'true', opened_by: opener?.sys_id ?? '', sys_created_on: snDate(this.now()), sys_updated_on: snDate(this.now()), ...body, sys_id: sysId(), number: `TASK00${(this.nextNumber += 1)}`, sys_class_name: m[1], sys_created_by: caller, sys_updated_by: caller };
      this.tasks.set(task.sys_id ?? '', task);
      this.workNotes.set(task.number ?? '', []);
      return { status: 201, body: { result: task } };
    }
    if (id === undefined && request.method === 'GET') {
      const clauses = (request.query.get('sysparm_query') ?? '').split('^').map((c) => c.split('='));
      const found = [...this.tasks.values()].filter((t) => t.sys_class_name === m[1] && clauses.every(([k, v]) => k === undefined || k === '' || t[k] === v));
      return { status: 200, body: { result: found.slice(0, Number(request.query.get('sysparm_limit') ?? '10000')).map(pick) } };
    }
    const task = id === undefined ? undefined : this.tasks.get(id);
    if (task === undefined) return { status: 404, body: NOT_FOUND };
    if (request.method === 'GET') return { status: 200, body: { result: pick(task) } };
    if (request.method === 'PATCH') {
      const { work_notes: note, ...rest } = JSON.parse(request.body || '{}') as Record_;
      if (note !== undefined) this.workNotes.get(task.number ?? '')?.push(note);
      Object.assign(task, rest, { sys_updated_on: snDate(this.now()) });
      return { status: 200, body: { result: task } };
    }
    return undefined;
  }

  /** Work notes of change tasks, by task number. */
  readonly taskNotes = new Map<string, string[]>();

  /** A group's sys_id, stable per name. */
  groupId(name: string): string {
    let id = this.groupIds.get(name);
    if (id === undefined) {
      id = sysId();
      this.groupIds.set(name, id);
    }
    return id;
  }
  private readonly groupIds = new Map<string, string>();
  private nextTask = 1_000;

  /** The change tasks (review tasks) created through the Table API. */
  changeTasks(): Record_[] {
    return [...(this.tables.get('change_task')?.values() ?? [])];
  }

  /**
   * change_task: POST (201, the whole record, `number` CTASK…, `state` 1 Open), GET by sys_id, GET
   * by `correlation_id=` or `change_request=` query, PATCH (work notes are kept in `taskNotes`).
   */
  private changeTask(request: FakeRequest, id: string | undefined, caller: string, pick: (r: Record_) => Record_): FakeResponse | undefined {
    const tasks = this.tables.get('change_task') ?? new Map<string, Record_>();
    this.tables.set('change_task', tasks);
    if (id === undefined && request.method === 'POST') {
      let body: Record_;
      try {
        body = JSON.parse(request.body || '{}') as Record_;
      } catch {
        return { status: 400, body: { error: { message: 'Exception while reading request', detail: 'The payload is not valid JSON.' }, status: 'failure' } };
      }
      const task: Record_ = {
        ...body,
        sys_id: sysId(),
        number: `CTASK00${(this.nextTask += 1)}`,
        state: '1',
        sys_class_name: 'change_task',
        sys_created_by: caller,
        sys_created_on: snDate(this.now()),
        sys_updated_by: caller,
        sys_mod_count: '0',
        active: 'true',
      };
      tasks.set(task.sys_id ?? '', task);
      return { status: 201, body: { result: task } };
    }
    if (id === undefined && request.method === 'GET') {
      const conditions = (request.query.get('sysparm_query') ?? '').split('^').map((c) => c.split('='));
      const found = [...tasks.values()].filter((t) => conditions.every(([k, v]) => k !== undefined && t[k] === v));
      return { status: 200, body: { result: found.slice(0, Number(request.query.get('sysparm_limit') ?? '10000')).map(pick) } };
    }
    const task = id === undefined ? undefined : tasks.get(id);
    if (id !== undefined && task === undefined) return { status: 404, body: NOT_FOUND };
    if (task !== undefined && request.method === 'GET') return { status: 200, body: { result: pick(task) } };
    if (task !== undefined && request.method === 'PATCH') {
      const body = JSON.parse(request.body || '{}') as Record_;
      if (body.work_notes !== undefined) this.taskNotes.set(task.number ?? '', [...(this.taskNotes.get(task.number ?? '') ?? []), body.work_notes]);
      // System fields are the instance's to set (sys_created_by, sys_updated_by…), never the caller's.
      const fields = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'work_notes' && !k.startsWith('sys_')));
      this.auditTask(task, fields, caller);
      Object.assign(task, fields, { sys_updated_by: caller, sys_updated_on: snDate(this.now()) });
      return { status: 200, body: { result: task } };
    }
    return undefined;
  }

  /**
   * The Attachment API: `POST /api/now/attachment/file?table_name&table_sys_id&file_name` with the
   * file's bytes as the body and its type as Content-Type (201 `{ result: { sys_id, file_name,
   * size_bytes, content_type, table_name, table_sys_id, download_link, … } }`; 400 for a missing
   * parameter, 404 for a record that does not exist, 403 when an ACL refuses, 413 over the size
   * limit: ServiceNow documents the limit, not its status, so 413 is the fake's choice), the list
   * (`GET /api/now/attachment?sysparm_query=…`) and the bytes (`GET /api/now/attachment/{sys_id}/file`).
   */
  private attachmentRoute(request: FakeRequest): FakeResponse | undefined {
    if (request.path === '/api/now/attachment/file' && request.method === 'POST') {
      const [table, record, name] = ['table_name', 'table_sys_id', 'file_name'].map((k) => request.query.get(k) ?? '');
      const missing = [['table_name', table], ['table_sys_id', record], ['file_name', name]].find(([, v]) => v === '');
      if (missing !== undefined) return { status: 400, body: { error: { message: `Missing parameter: ${missing[0] ?? ''}`, detail: null }, status: 'failure' } };
      if (!this.attachmentsWritable) return { status: 403, body: { error: { message: 'Operation Failed', detail: 'ACL restricts the record creation' }, status: 'failure' } };
      const target = (this.taskTables.has(table ?? '') ? this.tasks : table === 'change_request' ? this.changes : undefined)?.get(record ?? '');
      if (target === undefined) return { status: 404, body: { error: { message: 'Invalid table or record', detail: `Record ${record ?? ''} of table ${table ?? ''} does not exist or is not accessible` }, status: 'failure' } };
      if (request.raw.length > this.maxAttachmentBytes) return { status: 413, body: { error: { message: 'Failed to create the attachment. File part might be too large.', detail: null }, status: 'failure' } };
      const id = sysId();
      const meta: Record_ = {
        sys_id: id, file_name: name ?? '', table_name: table ?? '', table_sys_id: record ?? '', content_type: request.headers['content-type'] ?? '*/*', size_bytes: String(request.raw.length),
        download_link: `https://example.service-now.com/api/now/attachment/${id}/file`, sys_created_on: snDate(this.now()), sys_created_by: this.user,
      };
      this.attachments.set(id, { meta, bytes: Buffer.from(request.raw) });
      return { status: 201, body: { result: meta }, headers: { location: meta.download_link ?? '' } };
    }
    if (request.path === '/api/now/attachment' && request.method === 'GET') {
      const clauses = (request.query.get('sysparm_query') ?? '').split('^').map((c) => c.split('='));
      const found = [...this.attachments.values()].filter((a) => clauses.every(([k, v]) => k === undefined || k === '' || a.meta[k] === v));
      return { status: 200, body: { result: found.map((a) => a.meta) } };
    }
    const file = /^\/api\/now\/attachment\/([0-9a-f]{32})\/file$/.exec(request.path);
    if (file?.[1] !== undefined && request.method === 'GET') {
      const found = this.attachments.get(file[1]);
      return found === undefined ? { status: 404, body: NOT_FOUND } : { status: 200, raw: found.bytes, headers: { 'content-type': found.meta.content_type ?? '*/*' } };
    }
    return undefined;
  }

  notes(change: Record_): string[] {
    return this.workNotes.get(change.number ?? '') ?? [];
  }

  protected route(request: FakeRequest): FakeResponse {
    const caller = this.caller(request.headers.authorization);
    if (caller === undefined) {
      return { status: 401, body: { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' } };
    }
    const attachment = this.attachmentRoute(request);
    if (attachment !== undefined) return attachment;
    const task = this.taskRoute(request, caller);
    if (task !== undefined) return task;
    const m = /^\/api\/now\/table\/([a-z_]+)(?:\/([0-9a-f]{32}|[^/]+))?$/.exec(request.path);
    if (m?.[1] === undefined) return { status: 400, body: { error: { message: 'Invalid table', detail: null }, status: 'failure' } };
    const [, table, id] = m;
    const fields = request.query.get('sysparm_fields')?.split(',');
    const pick = (record: Record_): Record_ => (fields === undefined ? record : Object.fromEntries(fields.map((f) => [f, record[f] ?? ''])));

    if (table === 'change_request' && id !== undefined) {
      const change = this.changes.get(id);
      if (change === undefined) return { status: 404, body: NOT_FOUND };
      if (request.method === 'GET') return { status: 200, body: { result: pick(change) } };
      if (request.method === 'PATCH') {
        const body = JSON.parse(request.body) as Record_;
        if (body.work_notes !== undefined) this.workNotes.get(change.number ?? '')?.push(body.work_notes);
        return { status: 200, body: { result: change } };
      }
    }
    if (table === 'change_request' && id === undefined && request.method === 'POST') {
      // A person creating a change from the Table API: 201 with the whole record.
      const body = JSON.parse(request.body || '{}') as Record_;
      const requester = [...this.users.values()].find((u) => u.user_name === caller);
      const change = this.createChange(requester ?? { sys_id: '', user_name: caller, email: '', name: caller, active: 'true', web_service_access_only: 'false' }, body);
      change.sys_created_on = snDate(this.now());
      return { status: 201, body: { result: change } };
    }
    if (table === 'change_request' && id === undefined && request.method === 'GET') {
      const query = request.query.get('sysparm_query') ?? '';
      const number = /^number=(.+)$/.exec(query)?.[1];
      // `<field>=<sys_id>^<field>ISNOTEMPTY^ORDERBYDESCsys_created_on`: a requester's own changes.
      const byField = /^([a-z_]+)=([0-9a-f]{32})\^([a-z_]+)ISNOTEMPTY/.exec(query);
      const found = [...this.changes.values()].filter((c) => (byField === null ? c.number === number : c[byField[1] ?? ''] === byField[2] && (c[byField[3] ?? ''] ?? '') !== ''));
      return { status: 200, body: { result: found.reverse().map(pick) } };
    }
    if (table === 'sys_user' && id === undefined && request.method === 'GET') {
      const name = /^user_name=(.+)$/.exec(request.query.get('sysparm_query') ?? '')?.[1];
      return { status: 200, body: { result: [...this.users.values()].filter((u) => u.user_name === name).map((u) => pick({ ...u })) } };
    }
    if (table === 'sys_journal_field' && id === undefined && request.method === 'GET') {
      // Work notes of a change, newest first (the fake keeps them in order, without times).
      const element = /element_id=([0-9a-f]{32})/.exec(request.query.get('sysparm_query') ?? '')?.[1];
      const change = element === undefined ? undefined : (this.changes.get(element) ?? this.tasks.get(element));
      const notes = [...(change === undefined ? [] : this.notes(change))].reverse();
      return { status: 200, body: { result: notes.slice(0, Number(request.query.get('sysparm_limit') ?? '100')).map((value) => pick({ value, element: 'work_notes', element_id: element ?? '' })) } };
    }
    if (table === 'change_task') {
      const answer = this.changeTask(request, id, caller, pick);
      if (answer !== undefined) return answer;
    }
    if (table === 'sys_user_group' && id === undefined && request.method === 'GET') {
      const name = /^name=(.+)$/.exec(request.query.get('sysparm_query') ?? '')?.[1];
      const known = new Set([...this.groups.values()].flat());
      return { status: 200, body: { result: name !== undefined && known.has(name) ? [pick({ sys_id: this.groupId(name), name })] : [] } };
    }
    const other = table === undefined ? undefined : this.tables.get(table);
    if (other !== undefined && id === undefined && request.method === 'GET') {
      const number = /^number=(.+)$/.exec(request.query.get('sysparm_query') ?? '')?.[1];
      return { status: 200, body: { result: [...other.values()].filter((r) => r.number === number).map(pick) } };
    }
    if (other !== undefined && id !== undefined && request.method === 'GET') {
      const record = other.get(id);
      return record === undefined ? { status: 404, body: NOT_FOUND } : { status: 200, body: { result: pick(record) } };
    }
    if (table === 'sys_user' && id !== undefined && request.method === 'GET') {
      const user = this.users.get(id);
      return user === undefined ? { status: 404, body: NOT_FOUND } : { status: 200, body: { result: pick({ ...user }) } };
    }
    if (table === 'sys_user_grmember' && id === undefined && request.method === 'GET') {
      const query = request.query.get('sysparm_query') ?? '';
      const user = /user=([0-9a-f]{32})/.exec(query)?.[1] ?? '';
      const names = /group\.nameIN(.*)$/.exec(query)?.[1]?.split(',') ?? [];
      const found = (this.groups.get(user) ?? []).filter((g) => names.includes(g));
      return { status: 200, body: { result: found.map((g) => pick({ 'group.name': g })) } };
    }
    if (table === 'sys_audit' && id === undefined && request.method === 'GET') {
      if (!this.auditReadable) return { status: 200, body: { result: [] } };
      const query = request.query.get('sysparm_query') ?? '';
      const clause = (name: string) => new RegExp(`(?:^|\\^)${name}=([^^]*)`).exec(query)?.[1];
      const names = /(?:^|\^)fieldnameIN([^^]*)/.exec(query)?.[1]?.split(',');
      const limit = Number(request.query.get('sysparm_limit') ?? '10000');
      const rows = this.audit
        .filter((a) => a.tablename === clause('tablename') && a.documentkey === clause('documentkey') && (names === undefined || names.includes(a.fieldname ?? '')))
        .sort((a, b) => (query.includes('ORDERBYDESCsys_created_on') ? -1 : 1) * ((a.sys_created_on ?? '').localeCompare(b.sys_created_on ?? '') || Number(a.record_checkpoint) - Number(b.record_checkpoint)));
      return { status: 200, body: { result: rows.slice(0, limit).map(pick) } };
    }
    if (table === 'sysapproval_approver' && id === undefined && request.method === 'GET') {
      const conditions = (request.query.get('sysparm_query') ?? '').split('^').map((c) => c.split('='));
      const found = this.approvals.filter((a) => conditions.every(([k, v]) => k !== undefined && a[k] === v));
      return { status: 200, body: { result: found.map(pick) } };
    }
    return { status: 405, body: { error: { message: 'Method not Supported', detail: null }, status: 'failure' } };
  }
}
