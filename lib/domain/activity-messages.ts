import type { ActivityEvidence, ActivitySummary, RequestCount, ReusedAuditId, SessionSeen, SessionsAtRevoke } from './activity.js';
import type { Lease } from './lease.js';
import { LATEST_STORED_TIME } from './ticket-date.js';
import { unreadableLines } from './activity-unreadable.js';
import { COMMAND_CHARS } from './activity-text.js';
import { EVIDENCE_SEAL_VERSION } from './evidence-digest.js';
import { oneLine, ownPhrase } from './own-words.js';

/** The kinds of stream kube-lease looks for, as a ticket names them. */
const STREAMS_LOOKED_FOR = 'exec, attach, port-forward, or WebSocket (upgraded) request through pods/proxy or services/proxy';

/** How a stream reads on a ticket. */
export function describeSession(s: SessionSeen): string {
  if (s.cutOff === true) {
    const what = s.kind === 'portforward' ? 'port-forward' : s.kind;
    return `${what} into ${s.namespace}/${s.pod}, logged at ${s.at}: user unknown, and whether it opened unknown: the audit event was cut off by the log`;
  }
  const container = s.container === undefined ? '' : ` (container ${s.container})`;
  const flags = `, at ${s.at}${s.allowed ? '' : ', not opened'}${s.reusedAuditId === true ? ', under a reused audit ID' : ''}`;
  // The subject's command line (or path) is its own text: one line, and an exec's quoted as JSON quotes it.
  const said = s.command === undefined ? undefined : oneLine(s.command, COMMAND_CHARS);
  const proxied = said === undefined ? '' : ` (${said})`;
  if (s.kind === 'proxy') return `WebSocket (upgraded request) through pods/proxy into pod ${s.namespace}/${s.pod}${proxied}${flags}`;
  if (s.kind === 'service-proxy') return `WebSocket (upgraded request) through services/proxy into service ${s.namespace}/${s.pod}${proxied}${flags} (a service, not a pod: the audit log does not say which pod served it, and kube-lease does not end it)`;
  const what = s.kind === 'portforward' ? 'port-forward' : s.kind;
  const command = said === undefined ? '' : s.kind === 'portforward' ? `, ports ${said}` : `: ${JSON.stringify(said)}`;
  return `${what} into ${s.namespace}/${s.pod}${container}${command}${flags}`;
}

/** The finding of audit IDs several different requests carried (a client-chosen `Audit-ID` header). */
function reusedLine(ids: readonly ReusedAuditId[] | undefined): string[] {
  if (ids === undefined || ids.length === 0) return [];
  const list = ids.map((x) => `${x.id} (${x.requests} requests)`).join('; ');
  return [`Reused audit IDs: ${ids.length} audit ID(s) were each carried by several different requests of the subject (a client-chosen Audit-ID header); every request is counted and listed on its own: ${list}.`];
}

function counts(rows: readonly RequestCount[]): string {
  return rows.map((r) => `${r.verb} ${r.resource} in ${r.namespace} ×${r.count}`).join('; ');
}

/** The lines a revoke comment carries about the streams that may outlive the binding. */
export function sessionsLines(sessions: SessionsAtRevoke | undefined): string[] {
  if (sessions === undefined) return [];
  const u = sessions.unreadable;
  const cut = u === undefined ? [] : 'error' in u ? [`Unreadable: the audit log could not be searched for events it cut off (${ownPhrase(u.error)}): a stream may be missing from what follows.`] : unreadableLines(u);
  if (sessions.error !== undefined) return [`Open sessions: unknown: ${ownPhrase(sessions.error)}. The activity evidence follows on this ticket when the audit log can be read.`, ...cut];
  if (sessions.seen.length === 0) {
    const none = `Open sessions: the ${cut.length === 0 ? '' : 'readable '}audit log shows no ${STREAMS_LOOKED_FOR} through this lease up to ${sessions.at} (the log may lag; the activity evidence follows).`;
    return [...cut, none, ...reusedLine(sessions.reusedAuditIds)];
  }
  const lines = [
    ...cut,
    `Sessions the subject opened through this lease (from the audit log up to ${sessions.at}${sessions.seen.some((s) => s.cutOff === true) ? '; one cut off by the log may be another user\'s' : ''}); these streams may outlive the binding:`,
    ...sessions.seen.map((s) => `- ${describeSession(s)}`),
    ...(sessions.omitted === undefined ? [] : [`- and ${sessions.omitted} more (the audit log has them all)`]),
    ...reusedLine(sessions.reusedAuditIds),
    ...podLines(sessions.pods),
  ];
  return lines;
}

/**
 * What became of each pod of the streams. "Ended" only when it is: the eviction succeeded and the
 * pod's termination grace period is short (GRACE_ENDED_SECONDS), or a read of that pod answered 404
 * or showed it replaced or finished. An eviction of a pod with a longer grace period is "accepted",
 * with the time the pod may run until; anything else could not be ended.
 */
function podLines(pods: SessionsAtRevoke['pods']): string[] {
  const lines: string[] = [];
  for (const pod of pods) {
    const name = `pod ${pod.namespace}/${pod.pod}`;
    // kube-lease's words, which may quote a PodDisruptionBudget's message: one line.
    const why = pod.why === undefined ? undefined : oneLine(pod.why, 600);
    if (pod.outcome === 'evicted') {
      const how = pod.controller !== undefined ? ` (its controller ${pod.controller} recreates it)` : why !== undefined ? ` (${why})` : '';
      if (pod.mayRunUntil !== undefined) {
        lines.push(`Not known to be ended: ${name}: eviction accepted${how}, but its termination grace period is ${pod.graceSeconds === undefined ? 'too long to record' : `${pod.graceSeconds} s`}: the pod may run ${pod.mayRunUntil === LATEST_STORED_TIME ? 'indefinitely' : `until ${pod.mayRunUntil}`}, and every stream into it with it. A person must check it.`);
        continue;
      }
      lines.push(`Ended: ${name} evicted${how}; every stream into it ends when its containers stop, within the pod's termination grace period.`);
    } else if (pod.outcome === 'deleted') lines.push(`Ended: ${name} deleted (its controller recreates it); every stream into it ends when its containers stop, within the pod's termination grace period.`);
    else if (pod.outcome === 'gone') lines.push(`Ended: ${name} no longer runs${why === undefined ? '' : ` (${why})`}.`);
    else lines.push(`Not ended: ${name} could not be ended: ${why ?? 'unknown reason'}. Its streams may still be open; a person must check it.`);
  }
  return lines;
}

function summaryLines(s: ActivitySummary): string[] {
  const elsewhere = s.elsewhere === undefined ? [] : [`Not counted: ${s.elsewhere} request(s) of the subject that other bindings allowed (standing access or another lease).`];
  const cut = unreadableLines(s.unreadable);
  if (s.requests === 0) return [...cut, `No requests through this lease in the ${cut.length === 0 ? '' : 'readable part of the '}audit log.`, ...reusedLine(s.reusedAuditIds), ...elsewhere];
  return [
    ...cut,
    `Requests: ${s.requests}${s.byRequest.length === 0 ? '' : ` (${counts(s.byRequest)})`}.`,
    s.sessions.length === 0 ? 'Sessions: none.' : `Sessions (${STREAMS_LOOKED_FOR}): ${s.sessions.length}:\n${s.sessions.map((x) => `- ${describeSession(x)}`).join('\n')}`,
    s.secretsRead.length === 0 ? 'Secrets read: none.' : `Secrets read: ${s.secretsRead.map((x) => `${x.namespace}/${x.name} (${x.verb} ×${x.count})`).join('; ')}.`,
    s.denied.length === 0 ? 'Requests denied: none.' : `Requests denied: ${counts(s.denied)}.`,
    ...reusedLine(s.reusedAuditIds),
    ...(s.omitted > 0 ? [`${s.omitted} more row(s) not shown; the audit log has them all.`] : []),
    ...elsewhere,
  ];
}

/**
 * The comment that posts a lease's activity evidence once the audit log is complete for its window.
 * Only what the record's seal covers is shown: a record of seal version 1 (no `sealVersion`) did
 * not seal its read time or its late streams' pods, so neither is repeated (a table writer may
 * have rewritten them); the comment says the pods are there, unsealed, for a person to check.
 */
export function evidenceMessage(lease: Lease, e: ActivityEvidence, delaySeconds: number): string {
  // The bindings' subject in the cluster's record, when the lease item names another (quoted: the log's text).
  const who = e.subject === undefined ? `${lease.subject.kind} ${lease.subject.name}` : `${e.subject.kind} ${JSON.stringify(e.subject.name.slice(0, 120))}`;
  const head = `Activity during lease ${lease.id} by ${who} in ${lease.cluster}, ${e.from} – ${e.to}, from the cluster's audit log`;
  if (e.summary === undefined || e.digest === undefined) return `${head}: could not be collected: ${e.error === undefined ? 'unknown reason' : ownPhrase(e.error)}.`;
  const all = e.sealVersion === EVIDENCE_SEAL_VERSION;
  const pods = e.pods === undefined || e.pods.length === 0 ? [] : all ? ['Streams the audit log showed only after the revoke:', ...podLines(e.pods)] : [UNSEALED_PODS];
  return [
    `${head} (read ${all ? `at ${e.collectedAt}, ` : ''}${delaySeconds < 120 ? `${delaySeconds} s` : `${Math.round(delaySeconds / 60)} min`} or more after the end; events the log received later are not included):`,
    ...(e.findings === undefined || e.findings.length === 0 ? [] : ['Findings on the window:', ...e.findings.map((f) => `- ${oneLine(f, 100_000)}`)]),
    ...summaryLines(e.summary),
    ...pods,
    all
      ? `Evidence digest: ${e.digest} (of the window, the ${e.events} requests counted, this summary, the findings and the pods above, as kept on the lease record).`
      : `Evidence digest: ${e.digest} (of the window, the ${e.events} requests counted and this summary, as kept on the lease record).`,
  ].join('\n');
}

/** What an evidence comment says of the late streams' pods a record of seal version 1 lists outside its seal. */
export const UNSEALED_PODS =
  'Streams the audit log showed only after the revoke: this record lists what became of their pods, but that list is not sealed with the evidence (an older kube-lease stored it beside the seal), so it is not repeated here: a person must check those pods in the cluster.';
