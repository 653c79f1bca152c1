import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { ServiceNowCatalog } from '../../domain/catalog.js';
import { journalText } from '../../domain/servicenow-journal.js';
import type { ApprovalIntegrity, LinkedTicket, Person, TicketSnapshot } from '../../domain/ticket.js';
import { TicketNotFoundError, TicketSourceError } from '../../errors.js';
import type { TicketSource } from '../../ports/ticket-source.js';
import { fieldList, fieldText, requestFieldIds } from '../ticket-fields.js';
import type { ServiceNowClient } from './servicenow-client.js';
import { serviceNowTicketState, stateLabel } from './servicenow-states.js';

const SYS_ID = /^[0-9a-f]{32}$/;
const CHANGE_NUMBER = /^[A-Z]{2,10}\d{4,12}$/;

const userSchema = z.looseObject({
  sys_id: z.string(),
  user_name: z.string().optional(),
  email: z.string().optional(),
  name: z.string().optional(),
  active: z.string().optional(),
  web_service_access_only: z.string().optional(),
  internal_integration_user: z.string().optional(),
});
const USER_FIELDS = ['sys_id', 'user_name', 'email', 'name', 'active', 'web_service_access_only', 'internal_integration_user'];
/** `record_checkpoint` is the record's update count; the Table API answers "" for an empty one, which orders nothing. */
const auditRecords = z.array(
  z.looseObject({ fieldname: z.string(), newvalue: z.string().nullable().optional(), record_checkpoint: z.string().regex(/^\d+$/), sys_created_on: z.string().optional() }),
);
/** Most sys_audit rows read for one change; a longer history fails closed. */
const AUDIT_LIMIT = 1000;
const approverRecords = z.array(z.looseObject({ sys_id: z.string(), approver: z.string(), state: z.string(), sys_updated_on: z.string().optional(), sys_updated_by: z.string().optional() }));
const changeSchema = z.looseObject({ sys_id: z.string(), number: z.string(), state: z.string(), approval: z.string(), type: z.string().optional() });

/**
 * ServiceNow change requests through the Table API. The decision rests on what the API says:
 * `approval`, `state`, the `sysapproval_approver` records in state approved, and the requester
 * resolved through `sys_user`. Tickets are keyed by change number (CHG…); a sys_id works too.
 */
export class ServiceNowTicketSource implements TicketSource {
  /** The mapped request fields, by the catalog's names: an approval binds them. */
  private readonly watched: Record<string, string | undefined>;

  constructor(
    private readonly client: ServiceNowClient,
    private readonly mapping: ServiceNowCatalog,
    private readonly instanceUrl: string,
    /** The `user_name` kube-lease signs in as (`SERVICENOW_USER`): its approvals never count. */
    private readonly integrationUser?: string,
  ) {
    this.watched = requestFieldIds(mapping.fields);
  }

  async getTicket(key: string): Promise<TicketSnapshot> {
    const change = await this.readChange(key);
    const record: Record<string, unknown> = change;
    const { fields } = this.mapping;
    const requesterId = fieldText(record[fields.requester]);
    const approved = change.approval === 'approved';
    const [requester, approval, audit] = await Promise.all([
      requesterId === undefined ? Promise.resolve(undefined) : this.user(requesterId),
      this.approval(change.sys_id),
      approved ? this.auditRows(change.sys_id) : Promise.resolve(undefined),
    ]);
    const integrity = approved ? this.integrity(audit, approval?.at) : undefined;
    return {
      source: 'servicenow',
      id: change.sys_id,
      key: change.number,
      url: `${this.instanceUrl.replace(/\/+$/, '')}/change_request.do?sys_id=${change.sys_id}`,
      state: serviceNowTicketState(change.state, change.approval, this.mapping),
      statusText: `${stateLabel(change.state)}, approval ${change.approval}`,
      emergency: change.type === 'emergency',
      justification: fieldText(record[fields.justification]) ?? '',
      requester,
      approval: approved ? approval : undefined,
      approvalIntegrity: integrity,
      requestedProfile: fieldText(record[fields.profile]),
      requestedDuration: fields.duration === undefined ? undefined : fieldText(record[fields.duration]),
      requestedNamespaces: fields.namespaces === undefined ? undefined : fieldList(record[fields.namespaces]),
      windowStart: fieldText(record[fields.start]),
      windowEnd: fieldText(record[fields.end]),
    };
  }

  async comment(key: string, text: string): Promise<void> {
    const change = await this.readChange(key);
    await this.client.patch('change_request', change.sys_id, { work_notes: journalText(text) });
  }

  async linkedTickets(key: string, options: { readonly field: string; readonly table: string }): Promise<LinkedTicket[]> {
    const change = await this.readChange(key);
    const raw = await this.client.getRecord('change_request', change.sys_id, [options.field]);
    const target = fieldText((raw as Record<string, unknown> | undefined)?.[options.field]);
    if (target === undefined || !SYS_ID.test(target)) return [];
    try {
      const linked = z.looseObject({ number: z.string(), state: z.string() }).safeParse(await this.client.getRecord(options.table, target, ['number', 'state']));
      return linked.success ? [{ key: linked.data.number, status: linked.data.state }] : [];
    } catch (error) {
      if (error instanceof TicketNotFoundError) return [];
      throw error;
    }
  }

  async groupsOf(person: Person, groups: readonly string[]): Promise<string[]> {
    if (!SYS_ID.test(person.id) || groups.length === 0) return [];
    const safe = groups.filter((g) => /^[^,^=]+$/.test(g));
    const raw = await this.client.query('sys_user_grmember', `user=${person.id}^group.nameIN${safe.join(',')}`, ['group.name']);
    const parsed = z.array(z.looseObject({ 'group.name': z.string() })).safeParse(raw);
    if (!parsed.success) throw new TicketSourceError('ServiceNow returned group memberships of unexpected shape', undefined, { cause: parsed.error });
    return parsed.data.map((m) => m['group.name']).filter((name) => groups.includes(name));
  }

  private async readChange(key: string): Promise<z.infer<typeof changeSchema>> {
    const { fields } = this.mapping;
    const wanted = ['sys_id', 'number', 'state', 'approval', 'type', ...new Set(Object.values(fields).filter((f): f is string => f !== undefined))];
    let raw: unknown;
    if (SYS_ID.test(key)) raw = await this.client.getRecord('change_request', key, wanted);
    else if (CHANGE_NUMBER.test(key)) {
      const list = z.array(z.unknown()).safeParse(await this.client.query('change_request', `number=${key}`, wanted, 1));
      raw = list.success ? list.data[0] : undefined;
      if (raw === undefined) throw new TicketNotFoundError(key);
    } else throw new TicketNotFoundError(key.slice(0, 60));
    const parsed = changeSchema.safeParse(raw);
    if (!parsed.success) throw new TicketSourceError(`ServiceNow returned a change of unexpected shape for ${key.slice(0, 60)}`, undefined, { cause: parsed.error });
    if (!CHANGE_NUMBER.test(parsed.data.number) || !SYS_ID.test(parsed.data.sys_id)) {
      throw new TicketSourceError(`ServiceNow returned a change whose number or sys_id is malformed for ${key.slice(0, 60)}`, undefined);
    }
    return parsed.data;
  }

  private async user(sysId: string): Promise<Person | undefined> {
    if (!SYS_ID.test(sysId)) return undefined;
    try {
      const parsed = userSchema.safeParse(await this.client.getRecord('sys_user', sysId, USER_FIELDS));
      if (!parsed.success) return undefined;
      const { active, web_service_access_only: serviceOnly, internal_integration_user: integration } = parsed.data;
      // A person: an active account that may log in interactively (not web-service-only, not an integration user).
      const activeHuman = active === undefined ? undefined : active === 'true' && serviceOnly !== 'true' && integration !== 'true';
      // kube-lease's own user, by its login name (the sys_user record read here carries it).
      const own = this.integrationUser !== undefined && parsed.data.user_name?.toLowerCase() === this.integrationUser.toLowerCase();
      return { id: parsed.data.sys_id, email: parsed.data.email || undefined, displayName: parsed.data.name || parsed.data.user_name, activeHuman, ...(own ? { integration: true } : {}) };
    } catch (error) {
      if (error instanceof TicketNotFoundError) return undefined;
      throw error;
    }
  }

  /** The change's audit rows for `approval` and the mapped fields, newest first; undefined when of unexpected shape. */
  private async auditRows(changeSysId: string): Promise<z.infer<typeof auditRecords> | undefined> {
    const names = [...new Set(['approval', ...Object.values(this.watched).filter((f): f is string => f !== undefined)])];
    const raw = await this.client.query(
      'sys_audit',
      `tablename=change_request^documentkey=${changeSysId}^fieldnameIN${names.join(',')}^ORDERBYDESCsys_created_on`,
      ['fieldname', 'newvalue', 'record_checkpoint', 'sys_created_on'],
      AUDIT_LIMIT,
    );
    const parsed = auditRecords.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Whether a mapped request field changed after the change was approved, from its audit history
   * (`sys_audit`): in a later update than the one that set `approval` to `approved` (by
   * `record_checkpoint`, the record's update count), or, with several approvers, after the first of
   * them approved (an edit between two approvals was not seen by the first). No approval in the
   * history (auditing off, or no read access to sys_audit) or rows of unexpected shape fail closed.
   */
  private integrity(audit: z.infer<typeof auditRecords> | undefined, firstApproverAt: string | undefined): ApprovalIntegrity {
    if (audit === undefined) return { kind: 'unknown', reason: 'ServiceNow returned audit records of unexpected shape' };
    const rows = audit.map((r) => ({ ...r, checkpoint: Number(r.record_checkpoint) }));
    const approvals = rows.filter((r) => r.fieldname === 'approval' && r.newvalue === 'approved').map((r) => r.checkpoint);
    if (approvals.length === 0) {
      return { kind: 'unknown', reason: 'the change\'s audit history (sys_audit) shows no approval: is auditing on and may the integration user read sys_audit?' };
    }
    const approvedAt = Math.max(...approvals);
    const afterApproval = (r: (typeof rows)[number]) => r.checkpoint > approvedAt || (firstApproverAt !== undefined && r.sys_created_on !== undefined && r.sys_created_on > firstApproverAt);
    const edited = Object.entries(this.watched)
      .filter(([, field]) => field !== undefined && rows.some((r) => r.fieldname === field && afterApproval(r)))
      .map(([name]) => name);
    return edited.length === 0 ? { kind: 'intact' } : { kind: 'edited', fields: edited };
  }

  /** The approved `sysapproval_approver` records: their approvers, and an id that changes with a new approval round. */
  private async approval(changeSysId: string): Promise<TicketSnapshot['approval']> {
    const parsed = approverRecords.safeParse(
      await this.client.query('sysapproval_approver', `sysapproval=${changeSysId}^state=approved`, ['sys_id', 'approver', 'state', 'sys_updated_on', 'sys_updated_by']),
    );
    if (!parsed.success) throw new TicketSourceError('ServiceNow returned approvals of unexpected shape', undefined, { cause: parsed.error });
    const records = parsed.data.filter((r) => r.state === 'approved');
    if (records.length === 0) return undefined;
    // A record kube-lease's own user last wrote (set to approved, or inserted) is its decision, whoever it names.
    const own = (r: (typeof records)[number]) => this.integrationUser !== undefined && r.sys_updated_by?.toLowerCase() === this.integrationUser.toLowerCase();
    const people = await Promise.all(
      records.map(async (r) => {
        const person = await this.user(r.approver);
        return person !== undefined && own(r) ? { ...person, integration: true } : person;
      }),
    );
    const approvers = people.filter((p): p is Person => p !== undefined);
    if (approvers.length === 0) return undefined;
    const id = `sn-${createHash('sha256').update(records.map((r) => r.sys_id).sort().join(',')).digest('hex').slice(0, 16)}`;
    // The first approver's decision: edits after it void the approval (the integrity check).
    const at = records.map((r) => r.sys_updated_on ?? '').sort()[0] ?? '';
    // Each approval record on its own: a lease spends the records it relied on (see unspentApproval).
    const parts = records.map((r, i) => ({ id: `sn:${r.sys_id}`, approvers: people[i] === undefined ? [] : [people[i]] }));
    return { id, approvers, at, records: parts };
  }
}
