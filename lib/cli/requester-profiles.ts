import { parseArgs } from 'node:util';
import { accessCheckOf, type Profile } from '../domain/catalog.js';
import { formatDuration } from '../domain/duration.js';
import type { CliIo } from './cli-context.js';
import { asJson } from './output.js';
import { requesterCatalog } from './requester-settings.js';

/* `kube-lease profiles`: what the catalog lets a requester ask for, and who approves it. */

/**
 * Who approves a profile: people and groups, the PagerDuty on-call rotations whose member approves
 * their own request (`escalation policy P1`, `schedule S1`, with the incident condition), and break-glass
 * (the requester, briefly, a few times a day).
 */
export function approvalOf(profile: Profile): { people: readonly string[]; groups: readonly string[]; onCall: readonly string[]; breakGlass: readonly string[] } {
  const onCall = profile.onCall;
  const during = onCall?.incidentServices === undefined ? '' : ` while an incident is open on ${onCall.incidentServices.join(' or ')}`;
  const rotations = [...(onCall?.escalationPolicies ?? []).map((id) => `escalation policy ${id}`), ...(onCall?.schedules ?? []).map((id) => `schedule ${id}`)].map((r) => `${r}${during}`);
  const glass = profile.breakGlass;
  const breakGlass = glass === undefined ? [] : [`the requester, for at most ${formatDuration(glass.maxDuration)}, ${glass.perDay} per day`];
  return { people: profile.approvers ?? [], groups: profile.approverGroups ?? [], onCall: rotations, breakGlass };
}

export function approvalText(profile: Profile): string {
  const a = approvalOf(profile);
  const parts = [
    ...(a.people.length > 0 ? [`people: ${a.people.join(', ')}`] : []),
    ...(a.groups.length > 0 ? [`a member of ${a.groups.join(' or ')}`] : []),
  ];
  const emergency = [
    ...(a.onCall.length > 0 ? [`on call (PagerDuty ${a.onCall.join(' or ')})`] : []),
    ...(a.breakGlass.length > 0 ? [`break-glass: ${a.breakGlass.join('')}`] : []),
  ];
  return [parts.length === 0 ? 'any other person' : parts.join('; '), ...emergency].join('; ');
}

export function profiles(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({ args: [...args], options: { catalog: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const { catalog } = requesterCatalog(values.catalog, io.env);
  if (values.json === true) {
    io.out(
      asJson(
        catalog.profiles.map((p) => ({
          name: p.name,
          description: p.description,
          role: p.roleRef,
          cluster: p.cluster,
          namespaces: p.namespaces,
          defaultDurationSeconds: p.defaultDuration,
          maxDurationSeconds: p.maxDuration,
          approval: approvalOf(p),
          requesters: p.requesters,
          justification: p.justification,
          linkedTicket: p.linkedTicket === undefined ? undefined : { jiraStatuses: p.linkedTicket.jiraStatuses, serviceNowStates: p.linkedTicket.serviceNowStates },
          verify: accessCheckOf(p),
        })),
      ),
    );
    return 0;
  }
  const rows = [['PROFILE', 'ROLE', 'CLUSTER', 'NAMESPACES', 'DEFAULT', 'MAX', 'APPROVED BY']];
  for (const p of catalog.profiles) rows.push([p.name, `${p.roleRef.kind}/${p.roleRef.name}`, p.cluster, p.namespaces.join(','), formatDuration(p.defaultDuration), formatDuration(p.maxDuration), approvalText(p)]);
  io.out(table(rows));
  const notes = catalog.profiles.flatMap((p) => [
    ...(p.description === undefined ? [] : [`${p.name}: ${p.description}`]),
    ...(p.justification === undefined ? [] : [`${p.name}: the reason must match ${p.justification.pattern}${p.justification.hint ? ` (${p.justification.hint})` : ''}`]),
    ...(p.linkedTicket === undefined ? [] : [`${p.name}: needs --link <ticket> in state ${[...(p.linkedTicket.jiraStatuses ?? []), ...(p.linkedTicket.serviceNowStates ?? [])].join(' or ')}`]),
    ...(p.requesters === undefined ? [] : [`${p.name}: only ${p.requesters.join(', ')} may request it`]),
  ]);
  if (notes.length > 0) io.out(`\n${notes.join('\n')}\n`);
  return 0;
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}
