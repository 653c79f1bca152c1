import { parseAuditEvent } from './activity-events.js';
import { objectName } from './activity-text.js';
import { accessBeganAt, type BindingRef, type Lease, type Subject } from './lease.js';

/*
 * The window of a lease's evidence, from the cluster's own record: the API server's audit log holds
 * kube-lease creating and deleting the lease's RoleBindings. A table writer can rewrite the lease item
 * (its times, subject and bindings), never that log: the log fixes the window, the item only widens it.
 */

/** A RoleBinding of a lease created or deleted, as the cluster's audit log records it. */
export interface BindingChange {
  readonly verb: 'create' | 'delete';
  readonly namespace: string;
  readonly name: string;
  /** When the API server received the request. */
  readonly at: string;
  readonly username: string;
  /** A create logged at Request level or above (EKS logs RBAC writes at RequestResponse): the subjects it asked for. */
  readonly subjects?: readonly { readonly kind: string; readonly name: string }[] | undefined;
}

const RBAC = 'rbac.authorization.k8s.io';
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

function subjectsOf(requestObject: unknown): { kind: string; name: string }[] | undefined {
  const subjects = record(requestObject)?.['subjects'];
  if (!Array.isArray(subjects)) return undefined;
  return subjects.flatMap((s: unknown) => {
    const kind = record(s)?.['kind'];
    const name = record(s)?.['name'];
    return typeof name === 'string' && typeof kind === 'string' ? [{ kind, name }] : [];
  });
}

/**
 * One audit event (a parsed JSON line) as a successful RoleBinding create or delete, else undefined.
 * The name of a create is in objectRef (the API server fills it from the object) or its requestObject.
 */
export function parseBindingChange(json: unknown): BindingChange | undefined {
  const event = parseAuditEvent(json);
  const ref = event?.objectRef;
  if (event === undefined || ref?.resource !== 'rolebindings' || ref.apiGroup !== RBAC || ref.subresource !== undefined) return undefined;
  if ((event.verb !== 'create' && event.verb !== 'delete') || event.code === undefined || event.code < 200 || event.code >= 300) return undefined;
  // A dry run (`?dryRun=All`, as the grant's preflight sends) changes nothing.
  if (new URLSearchParams(event.requestURI.split('?')[1] ?? '').has('dryRun')) return undefined;
  const requestObject = record(json)?.['requestObject'];
  // A DELETE may carry its DeleteOptions in the body (client-go's Delete, `kubectl delete --dry-run=server`): a dry run there too.
  const bodyDryRun = record(requestObject)?.['dryRun'];
  if (bodyDryRun !== undefined && !(Array.isArray(bodyDryRun) && bodyDryRun.length === 0)) return undefined;
  const name = ref.name ?? objectName(String(record(record(requestObject)?.['metadata'])?.['name'] ?? ''));
  if (name === undefined || name === '(invalid)' || ref.namespace === undefined || ref.namespace === '(invalid)') return undefined;
  const subjects = event.verb === 'create' ? subjectsOf(requestObject) : undefined;
  return { verb: event.verb, namespace: ref.namespace, name, at: event.at, username: event.username, ...(subjects === undefined ? {} : { subjects }) };
}

/** Whether a RoleBinding name is one of this lease's (bindingName: `kl-<profile>-<lease id>` or `kl-<lease id>`). */
export function isLeaseBindingName(name: string, leaseId: string): boolean {
  return name === `kl-${leaseId}` || (name.startsWith('kl-') && name.endsWith(`-${leaseId}`));
}

/** How far the lease item may be off the cluster's record (its times are written just before and after the API calls). */
export const RECORD_SLACK_MS = 60_000;
/** Without the bindings' removal in the log: how long past the item's end (and the log's delay) the sweep waits for it. */
export const REMOVAL_WAIT_MS = 15 * 60_000;

export type EvidenceWindow =
  | { readonly kind: 'wait'; readonly until: Date }
  | { readonly kind: 'collect'; readonly from: Date; readonly to: Date; readonly subject: Subject; readonly bindings: readonly BindingRef[]; readonly findings: readonly string[] };

const shown = (text: string) => JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
const subjectText = (s: { readonly kind: string; readonly name: string }) => `${/^[A-Za-z]{1,40}$/.test(s.kind) ? s.kind : shown(s.kind)} ${shown(s.name)}`;
const bindingKey = (b: BindingRef) => `${b.namespace}/${b.name}`;

/**
 * The window, subject and bindings to collect a revoked lease's evidence for, or how long to wait for
 * the log to be complete. Complete: every binding the log shows created is shown deleted after, and
 * `delayMs` has passed since the last delete. Without a removal in the log, the sweep waits until
 * REMOVAL_WAIT_MS past the item's end, then collects on the item's window and says so. The window is
 * [first create, last delete] widened to the item's (a writer can widen it, never narrow it); the
 * subject is the first create's. Every disagreement between the item and the log is a finding.
 */
export function evidenceWindow(lease: Lease, changes: readonly BindingChange[], now: Date, delayMs: number): EvidenceWindow {
  const itemFrom = Date.parse(accessBeganAt(lease));
  // A fixed point of the item even without `revokedAt`, so the wait below is bounded.
  const itemTo = Date.parse(lease.revokedAt ?? lease.history.at(-1)?.at ?? lease.startsAt);
  const ours = changes.filter((c) => isLeaseBindingName(c.name, lease.id)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const creates = ours.filter((c) => c.verb === 'create');
  const deletes = ours.filter((c) => c.verb === 'delete');
  const created = [...new Map(creates.map((c) => [bindingKey(c), { namespace: c.namespace, name: c.name }])).values()];
  const lastCreate = (b: BindingRef) => Math.max(...creates.filter((c) => bindingKey(c) === bindingKey(b)).map((c) => Date.parse(c.at)));
  const removed = created.length > 0 && created.every((b) => deletes.some((d) => bindingKey(d) === bindingKey(b) && Date.parse(d.at) >= lastCreate(b)));
  const lastDelete = removed ? Math.max(...deletes.map((d) => Date.parse(d.at))) : undefined;
  const ready = lastDelete === undefined ? itemTo + delayMs + REMOVAL_WAIT_MS : lastDelete + delayMs;
  if (now.getTime() < ready) return { kind: 'wait', until: new Date(ready) };

  const firstCreate = creates[0] === undefined ? undefined : Date.parse(creates[0].at);
  const findings: string[] = [];
  if (firstCreate === undefined) findings.push('the cluster\'s log does not show the bindings\' creation: the window\'s start comes from the lease item');
  if (lastDelete === undefined) findings.push('the cluster\'s log does not show the bindings\' removal: the window comes from the lease item');
  const disagree = (what: string) => findings.push(`the lease item disagrees with the cluster's record: ${what}`);
  if (firstCreate !== undefined && itemFrom > firstCreate + RECORD_SLACK_MS) disagree(`its window starts at ${new Date(itemFrom).toISOString()}, the first binding was created at ${new Date(firstCreate).toISOString()}`);
  if (lastDelete !== undefined && itemTo < lastDelete - RECORD_SLACK_MS) disagree(`its window ends at ${new Date(itemTo).toISOString()}, the last binding was deleted at ${new Date(lastDelete).toISOString()}`);
  const missing = created.filter((b) => !lease.bindings.some((x) => bindingKey(x) === bindingKey(b)));
  if (missing.length > 0) disagree(`it does not list the binding(s) ${missing.map((b) => shown(bindingKey(b))).join(', ')}`);
  const asked = creates.find((c) => c.subjects !== undefined)?.subjects;
  // A policy that logs RoleBinding writes below Request level: the log names no subject to check the item's against.
  if (creates.length > 0 && asked === undefined) findings.push('the cluster\'s log does not show the bindings\' subject: the subject comes from the lease item');
  const others = creates.flatMap((c) => c.subjects ?? []).filter((s) => s.kind !== lease.subject.kind || s.name !== lease.subject.name);
  if (others.length > 0) disagree(`its subject is ${subjectText(lease.subject)}, the bindings were created for ${[...new Set(others.map(subjectText))].join(', ')}`);
  // The first create's subject is whose requests are read (a kind a lease cannot bind: the item's, and a finding above).
  const first = asked?.[0];
  const subject: Subject = first !== undefined && (first.kind === 'User' || first.kind === 'Group') ? { kind: first.kind, name: first.name } : lease.subject;
  return {
    kind: 'collect',
    from: new Date(Math.min(itemFrom, firstCreate ?? itemFrom)),
    to: new Date(Math.max(itemTo, lastDelete ?? itemTo)),
    subject,
    bindings: [...lease.bindings, ...missing],
    findings,
  };
}
