import * as z from 'zod';
import type { ServiceNowCatalog } from '../../domain/catalog.js';
import type { LinkedTicket, Person } from '../../domain/ticket.js';
import { TicketSourceError } from '../../errors.js';
import { denialIn, requesterCall, type FiledRequest, type RequesterTickets, type RequestStatus } from './requester-tickets.js';

/** A requester's own ServiceNow account (never kube-lease's integration user). */
export interface ServiceNowRequesterCredentials {
  readonly instanceUrl: string;
  readonly user: string;
  readonly password: string;
}

const SYS_ID = /^[0-9a-f]{32}$/;
const NUMBER = /^[A-Z]{2,10}\d{4,12}$/;
const resultSchema = z.looseObject({ result: z.unknown() });
const errorSchema = z.looseObject({ error: z.looseObject({ message: z.string().optional(), detail: z.string().nullable().optional() }) });
const records = z.array(z.record(z.string(), z.unknown()));
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/**
 * The ServiceNow Table API with the requester's own user: sys_user (who am I), change_request
 * (create, read, list mine), the linked record's table, and the change's work notes
 * (sys_journal_field) for kube-lease's denial.
 */
export class ServiceNowRequester implements RequesterTickets {
  readonly source = 'servicenow' as const;
  constructor(
    private readonly credentials: ServiceNowRequesterCredentials,
    private readonly mapping: ServiceNowCatalog,
  ) {}

  private url(sysId: string): string {
    return `${this.credentials.instanceUrl.replace(/\/+$/, '')}/change_request.do?sys_id=${sysId}`;
  }

  private async call(method: string, path: string, what: string, body?: Record<string, string>): Promise<unknown> {
    const { instanceUrl, user, password } = this.credentials;
    const response = await requesterCall('ServiceNow', instanceUrl, { user, secret: password }, { method, path, what, body });
    const { json, raw } = response;
    if (response.status === 401) throw new TicketSourceError(`ServiceNow did not accept your credentials (user ${user}) while ${what}: check KUBE_LEASE_SERVICENOW_USER and KUBE_LEASE_SERVICENOW_PASSWORD`, 401);
    if (!response.ok) {
      const parsed = errorSchema.safeParse(json);
      const detail = parsed.success ? [parsed.data.error.message, parsed.data.error.detail].filter(Boolean).join(': ') : raw.slice(0, 200);
      throw new TicketSourceError(`ServiceNow answered ${response.status} while ${what}: ${detail || '(no detail)'}`, response.status);
    }
    const parsed = resultSchema.safeParse(json);
    if (!parsed.success) throw new TicketSourceError(`ServiceNow answered ${what} without a result`, response.status);
    return parsed.data.result;
  }

  private async query(table: string, query: string, fields: readonly string[], what: string, limit = 1): Promise<Record<string, unknown>[]> {
    const params = new URLSearchParams({ sysparm_query: query, sysparm_fields: fields.join(','), sysparm_exclude_reference_link: 'true', sysparm_limit: String(limit) });
    const parsed = records.safeParse(await this.call('GET', `/api/now/table/${table}?${params}`, what));
    if (!parsed.success) throw new TicketSourceError(`ServiceNow answered ${what} with records of unexpected shape`, undefined);
    return parsed.data;
  }

  async whoami(): Promise<Person> {
    const { user } = this.credentials;
    if (/[\^=,]/.test(user)) throw new TicketSourceError(`"${user}" is not a ServiceNow user name`, undefined);
    const [me] = await this.query('sys_user', `user_name=${user}`, ['sys_id', 'user_name', 'email', 'name'], 'reading your account');
    const id = str(me?.sys_id);
    if (me === undefined || id === undefined || !SYS_ID.test(id)) throw new TicketSourceError(`ServiceNow shows no user ${user} to you`, undefined);
    return { id, email: str(me.email), displayName: str(me.name) ?? user };
  }

  async linkedTicket(key: string, table = 'incident'): Promise<(LinkedTicket & { sysId: string }) | undefined> {
    if (!NUMBER.test(key) || !/^[a-z0-9_]+$/.test(table)) return undefined;
    const [record] = await this.query(table, `number=${key}`, ['sys_id', 'number', 'state'], `reading ${key}`);
    const sysId = str(record?.sys_id);
    const status = str(record?.state);
    return sysId === undefined || status === undefined ? undefined : { key, status, sysId };
  }

  async file(request: FiledRequest, requester: Person): Promise<{ key: string; url: string }> {
    const { fields: map } = this.mapping;
    const body: Record<string, string> = { short_description: request.title, [map.profile]: request.profile, [map.justification]: request.justification, [map.requester]: requester.id };
    if (map.duration !== undefined && request.duration !== undefined) body[map.duration] = request.duration;
    if (map.namespaces !== undefined && request.namespaces !== undefined) body[map.namespaces] = request.namespaces.join(',');
    if (request.link !== undefined) {
      const link = await this.linkedTicket(request.link.key, request.link.table);
      if (link === undefined) throw new TicketSourceError(`ServiceNow shows no ${request.link.key} to you`, undefined);
      body[request.link.field ?? 'parent'] = link.sysId;
    }
    const created = z.looseObject({ sys_id: z.string().regex(SYS_ID), number: z.string().regex(NUMBER) }).safeParse(await this.call('POST', '/api/now/table/change_request', 'creating the change', body));
    if (!created.success) throw new TicketSourceError('ServiceNow created a change but answered without its number', undefined);
    return { key: created.data.number, url: this.url(created.data.sys_id) };
  }

  private fields(): string[] {
    return ['sys_id', 'number', 'state', 'approval', 'sys_created_on', ...new Set(Object.values(this.mapping.fields).filter((f): f is string => f !== undefined))];
  }

  private async statusOf(record: Record<string, unknown>, withDenial: boolean): Promise<RequestStatus> {
    const { fields: map } = this.mapping;
    const sysId = str(record.sys_id) ?? '';
    const state = str(record.state) ?? '';
    const approval = str(record.approval) ?? '';
    let denial: string | undefined;
    if (withDenial && SYS_ID.test(sysId)) {
      const [note] = await this.query('sys_journal_field', `element_id=${sysId}^element=work_notes^ORDERBYDESCsys_created_on`, ['value', 'sys_created_on'], 'reading the work notes');
      denial = str(note?.value) === undefined ? undefined : denialIn(String(note?.value));
    }
    // The requester's view of the states kube-lease reads (the catalog's approvedStates and closedStates).
    const closed = this.mapping.closedStates.includes(state);
    const rejected = approval === 'rejected';
    return {
      key: str(record.number) ?? sysId,
      url: this.url(sysId),
      state: closed ? 'closed' : rejected ? 'denied' : denial !== undefined ? 'denied' : approval === 'approved' && this.mapping.approvedStates.includes(state) ? 'approved' : 'open',
      statusText: `state ${state}, approval ${approval}`,
      profile: str(record[map.profile]),
      namespaces: map.namespaces === undefined ? undefined : str(record[map.namespaces])?.split(/[\s,;]+/),
      duration: map.duration === undefined ? undefined : str(record[map.duration]),
      reason: rejected ? 'the change\'s approval was rejected' : denial,
      created: str(record.sys_created_on),
    };
  }

  async status(key: string): Promise<RequestStatus> {
    if (!NUMBER.test(key)) throw new TicketSourceError(`"${key}" is not a change number`, undefined);
    const [record] = await this.query('change_request', `number=${key}`, this.fields(), `reading ${key}`);
    if (record === undefined) throw new TicketSourceError(`ServiceNow shows no change ${key} to you`, undefined);
    return this.statusOf(record, true);
  }

  async mine(requester: Person): Promise<RequestStatus[]> {
    const { fields: map } = this.mapping;
    const found = await this.query('change_request', `${map.requester}=${requester.id}^${map.profile}ISNOTEMPTY^ORDERBYDESCsys_created_on`, this.fields(), 'listing your changes', 50);
    const statuses = await Promise.all(found.map((r) => this.statusOf(r, false)));
    return statuses.filter((s) => s.state !== 'closed');
  }
}
