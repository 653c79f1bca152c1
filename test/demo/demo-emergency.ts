import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import type { FakeJira, JiraUser } from '../fakes/fake-jira.js';
import type { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import type { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { withBreakGlass, withOnCall } from '../support/demo-catalog.js';
import { withReview } from '../support/review-catalog.js';

/*
 * The demo's incident access (docs/incident-access.md): at 3 AM nobody approves. An on-call grant
 * (PagerDuty shows the requester on call on the profile's schedule) and a break-glass grant (the
 * requester's own, through the Jira status "Break Glass"), then a second break-glass the per-day
 * limit refuses.
 */

/** The demo's PagerDuty schedule (and the escalation policy it belongs to) on which alice is on call. */
const SCHEDULE = { id: 'PSC0001', name: 'Payments primary' };
const POLICY = { id: 'PEP0001', name: 'Payments Ops' };
/** The demo's PagerDuty API key (local mode reads it from PAGERDUTY_API_KEY). */
export const DEMO_PAGERDUTY_KEY = 'demo-pagerduty-key';

/**
 * The demo catalog with `incident-debug` (on-call approval on the schedule above) and `break-glass-debug`
 * (at most 30m, once a day), each reviewed after the fact: a review issue in Jira project SEC, bob watching.
 */
export function withIncidentAccess(catalog: string): string {
  return withReview(withBreakGlass(withOnCall(catalog, `{ schedules: [${SCHEDULE.id}] }`)));
}

/** The review task kube-lease opened for a lease (labelled `kube-lease-review-<lease id>`), as printed lines. */
function reviewTaskLines(jira: FakeJira, ticketKey: string, leaseId: string | undefined): string[] {
  const task = [...jira.issues.values()].find((i) => leaseId !== undefined && ((i.fields.labels as string[] | undefined) ?? []).includes(`kube-lease-review-${leaseId}`));
  if (task === undefined) return ['   no review task was opened (it would be retried by the sweep)'];
  const said = jira.comments(ticketKey).find((c) => c.includes(task.key)) ?? '(the ticket was not told yet)';
  return [`   review task ${task.key}: "${String(task.fields.summary)}", watched by ${(task.watchers ?? []).length} approver(s)`, `   Jira comment on ${ticketKey} naming it:`, indent(said)];
}

export interface EmergencyResult {
  readonly onCallResponse: { status: number; body: unknown };
  readonly breakGlassResponse: { status: number; body: unknown };
  /** The second break-glass of the day: refused by the per-day limit. */
  readonly secondBreakGlassResponse: { status: number; body: unknown };
  readonly onCallLeaseId: string | undefined;
  readonly breakGlassLeaseId: string | undefined;
  /** RoleBindings of each granted lease right after its grant. */
  readonly bindings: { readonly onCall: number; readonly breakGlass: number };
  /** PagerDuty's paths, in the order kube-lease asked them. */
  readonly pagerDutyPaths: readonly string[];
  /** The review tasks opened (Jira issue keys), one per emergency lease. */
  readonly reviewTasks: readonly string[];
}

export interface EmergencyContext {
  readonly jira: FakeJira;
  readonly kube: FakeKubernetes;
  readonly pagerDuty: FakePagerDuty;
  readonly requester: JiraUser;
  readonly durationSeconds: number;
  readonly deliverJira: (payload: Record<string, unknown>, delivery: string) => Promise<{ status: number; body: unknown }>;
  readonly print: (line: string) => void;
  /** Numbers the steps (the demo's 4 and 5). */
  readonly step: number;
}

const indent = (text: string, prefix = '   | ') => text.replace(/^/gm, prefix);
const leaseIdOf = (response: { body: unknown }) => (response.body as { leaseId?: string }).leaseId;

export async function runEmergency(ctx: EmergencyContext): Promise<EmergencyResult> {
  const { jira, kube, pagerDuty, requester, print } = ctx;
  const fields = (profile: string) => ({ customfield_10100: profile, customfield_10101: `${ctx.durationSeconds}s` });

  // On-call: PagerDuty shows alice on call on the payments schedule; nobody approves.
  const pdUser = pagerDuty.addUser(requester.emailAddress ?? '', requester.displayName);
  pagerDuty.putOnCall(pdUser, POLICY, { schedule: SCHEDULE });
  jira.createIssue({ key: 'OPS-103', reporter: requester, summary: 'INC-4712: checkout answers 502 since 03:05, need to debug its pods', fields: fields('incident-debug') });
  print(`\n${ctx.step}. On call, 3 AM, nobody to approve: PagerDuty shows ${requester.displayName} on call on schedule ${SCHEDULE.id} "${SCHEDULE.name}"`);
  print(`   Jira: ${requester.displayName} moves OPS-103 (profile incident-debug, which accepts on-call approval) to "Emergency"`);
  const onCallResponse = await ctx.deliverJira(jira.transition('OPS-103', 'Emergency', requester), 'delivery-oncall-1');
  print(`   webhook answered ${JSON.stringify(onCallResponse)}`);
  const pagerDutyPaths = pagerDuty.requests.map((r) => r.path);
  print(`   kube-lease asked PagerDuty: ${pagerDutyPaths.map((p) => `GET ${p}`).join(', ')}`);
  const onCallId = leaseIdOf(onCallResponse);
  const onCallBindings = onCallId === undefined ? 0 : kube.list(LABEL_LEASE_ID, onCallId).length;
  print(`   RoleBindings of that lease: ${onCallBindings}`);
  print('   Jira comment:');
  print(indent(jira.comments('OPS-103')[0] ?? '(none)'));
  for (const line of reviewTaskLines(jira, 'OPS-103', onCallId)) print(line);

  // Break-glass: alice approves her own request through the dedicated status, with a justification that matches.
  jira.createIssue({ key: 'OPS-104', reporter: requester, summary: 'INC-4712: checkout pods stuck, need to restart them', fields: fields('break-glass-debug') });
  print(`\n${ctx.step + 1}. Break-glass: ${requester.displayName} moves OPS-104 (profile break-glass-debug, justification "INC-4712: …") to "Break Glass"`);
  const breakGlassResponse = await ctx.deliverJira(jira.transition('OPS-104', 'Break Glass', requester), 'delivery-breakglass-1');
  print(`   webhook answered ${JSON.stringify(breakGlassResponse)}`);
  const breakGlassId = leaseIdOf(breakGlassResponse);
  const breakGlassBindings = breakGlassId === undefined ? 0 : kube.list(LABEL_LEASE_ID, breakGlassId).length;
  print(`   RoleBindings of that lease: ${breakGlassBindings} (break-glass lasts at most 30m here; only a person's approval extends it)`);
  print('   Jira comment:');
  print(indent(jira.comments('OPS-104')[0] ?? '(none)'));
  for (const line of reviewTaskLines(jira, 'OPS-104', breakGlassId)) print(line);

  // The same day, a second break-glass of alice's: the profile allows one a day.
  jira.createIssue({ key: 'OPS-105', reporter: requester, summary: 'INC-4713: payments worker queue stuck, need pod access', fields: fields('break-glass-debug') });
  print(`   Jira: ${requester.displayName} moves OPS-105 to "Break Glass" the same day`);
  const secondBreakGlassResponse = await ctx.deliverJira(jira.transition('OPS-105', 'Break Glass', requester), 'delivery-breakglass-2');
  print(`   webhook answered ${JSON.stringify(secondBreakGlassResponse)}`);
  print('   Jira comment on OPS-105:');
  print(indent(jira.comments('OPS-105')[0] ?? '(none)'));

  return {
    onCallResponse,
    breakGlassResponse,
    secondBreakGlassResponse,
    onCallLeaseId: onCallId,
    breakGlassLeaseId: breakGlassId,
    bindings: { onCall: onCallBindings, breakGlass: breakGlassBindings },
    pagerDutyPaths,
    reviewTasks: [...jira.issues.values()].filter((i) => ((i.fields.labels as string[] | undefined) ?? []).some((l) => l.startsWith('kube-lease-review-'))).map((i) => i.key),
  };
}
