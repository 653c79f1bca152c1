import * as z from 'zod';
import type { OnCallFinding, OnCallProof, OnCallRule } from '../../domain/on-call.js';
import type { OnCallDirectory } from '../../ports/on-call-directory.js';
import type { PagerDutyClient } from './pagerduty-client.js';

const user = z.looseObject({ id: z.string().min(1), email: z.string().optional() });
const reference = z.looseObject({ id: z.string().min(1), summary: z.string().optional() });
const onCallEntry = z.looseObject({
  user: reference,
  escalation_policy: reference,
  escalation_level: z.number().int().optional(),
  schedule: reference.nullable().optional(),
  start: z.string().nullable().optional(),
  end: z.string().nullable().optional(),
});
const incident = z.looseObject({ id: z.string().min(1), incident_number: z.number().int().optional(), service: reference });

/**
 * PagerDuty as the on-call directory: the requester's email resolves to a user (`GET /users?query=`,
 * exact match only), then `GET /oncalls` filtered by that user and the profile's escalation
 * policies or schedules, and, when the profile names services, `GET /incidents` for an open one.
 */
export class PagerDutyOnCall implements OnCallDirectory {
  constructor(private readonly client: PagerDutyClient) {}

  async findOnCall(email: string, rule: OnCallRule, now: Date): Promise<OnCallFinding> {
    const wanted = email.trim().toLowerCase();
    const users = (await this.client.list('/users', 'users', [['query', wanted]])).map((u) => user.safeParse(u)).flatMap((p) => (p.success ? [p.data] : []));
    const matches = users.filter((u) => u.email?.toLowerCase() === wanted);
    if (matches.length === 0) return { kind: 'not-on-call', reason: `PagerDuty has no user with the requester's email ${email}` };
    if (matches.length > 1) return { kind: 'not-on-call', reason: `PagerDuty has ${matches.length} users with the email ${email}; on-call approval needs exactly one` };
    const pdUser = matches[0];
    if (pdUser === undefined) return { kind: 'not-on-call', reason: 'no PagerDuty user' };
    const at = now.toISOString();
    const window: [string, string][] = [['since', at], ['until', at]];
    const [byPolicy, bySchedule, open] = await Promise.all([
      rule.escalationPolicies === undefined ? [] : this.client.list('/oncalls', 'oncalls', [['user_ids[]', pdUser.id], ...rule.escalationPolicies.map((id): [string, string] => ['escalation_policy_ids[]', id]), ...window]),
      rule.schedules === undefined ? [] : this.client.list('/oncalls', 'oncalls', [['user_ids[]', pdUser.id], ...rule.schedules.map((id): [string, string] => ['schedule_ids[]', id]), ...window]),
      rule.incidentServices === undefined
        ? undefined
        : this.client.list('/incidents', 'incidents', [...rule.incidentServices.map((id): [string, string] => ['service_ids[]', id]), ['statuses[]', 'triggered'], ['statuses[]', 'acknowledged']]),
    ]);
    const entries = [...byPolicy, ...bySchedule].map((e) => onCallEntry.safeParse(e)).flatMap((p) => (p.success ? [p.data] : []));
    // The filters are PagerDuty's; the check is ours too: the user, a named policy or schedule, and now inside the entry.
    const current = entries.filter((e) => e.user.id === pdUser.id && covers(e, now));
    const viaSchedule = current.find((e) => e.schedule != null && (rule.schedules ?? []).includes(e.schedule.id));
    const viaPolicy = current.find((e) => (rule.escalationPolicies ?? []).includes(e.escalation_policy.id));
    const entry = viaPolicy ?? viaSchedule;
    if (entry === undefined) {
      const named = [...(rule.escalationPolicies ?? []).map((id) => `escalation policy ${id}`), ...(rule.schedules ?? []).map((id) => `schedule ${id}`)].join(', ');
      return { kind: 'not-on-call', reason: `PagerDuty shows the requester (user ${pdUser.id}) on call in none of ${named} at ${at}` };
    }
    const via: OnCallProof['via'] =
      entry === viaPolicy
        ? { type: 'escalation_policy', id: entry.escalation_policy.id, name: entry.escalation_policy.summary }
        : { type: 'schedule', id: entry.schedule?.id ?? '', name: entry.schedule?.summary ?? undefined };
    let found: OnCallProof['incident'];
    if (open !== undefined) {
      const incidents = open.map((i) => incident.safeParse(i)).flatMap((p) => (p.success ? [p.data] : []));
      const first = incidents.find((i) => (rule.incidentServices ?? []).includes(i.service.id));
      if (first === undefined) return { kind: 'not-on-call', reason: `the requester is on call, but PagerDuty shows no open incident on service ${(rule.incidentServices ?? []).join(' or ')}, as the profile requires` };
      found = { id: first.id, serviceId: first.service.id, number: first.incident_number };
    }
    return {
      kind: 'on-call',
      proof: { userId: pdUser.id, userEmail: pdUser.email ?? email, via, level: entry.escalation_level, ...(found === undefined ? {} : { incident: found }), checkedAt: at },
    };
  }
}

/** Whether an on-call entry covers the instant (a null end is "indefinitely", as for a permanent escalation rule). */
function covers(entry: z.infer<typeof onCallEntry>, now: Date): boolean {
  const start = entry.start == null ? Number.NEGATIVE_INFINITY : Date.parse(entry.start);
  const end = entry.end == null ? Number.POSITIVE_INFINITY : Date.parse(entry.end);
  return !Number.isNaN(start) && !Number.isNaN(end) && start <= now.getTime() && now.getTime() < end;
}
