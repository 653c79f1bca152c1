import { randomUUID } from 'node:crypto';
import type { AccessCheck } from '../../lib/domain/catalog.js';
import type { BindingRef, Lease, RoleBindingManifest, Subject } from '../../lib/domain/lease.js';
import { authorize, defaultRoles, type BindingGrant } from './rbac-rules.js';
import type { LinkedTicket, Person, TicketSnapshot } from '../../lib/domain/ticket.js';
import { BindingConflictError, ClusterError, TicketNotFoundError } from '../../lib/errors.js';
import type { Clock } from '../../lib/ports/clock.js';
import type { BindingOwner, Cluster, EvictionResult, ManagedBinding, PodInfo } from '../../lib/ports/cluster.js';
import type { LeaseScheduler, ScheduleProgress } from '../../lib/ports/lease-scheduler.js';
import type { TicketSource } from '../../lib/ports/ticket-source.js';
import { ANNOTATION_EXPIRES_AT, LABEL_LEASE_ID } from '../../lib/domain/names.js';

/** A clock that stands still until the test moves it. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/**
 * The Cluster port in memory: bindings by cluster/namespace/name, with the same ownership rules as
 * the Kubernetes adapter (an existing binding counts only when it is exactly ours). `refuse` makes
 * the next applies fail, e.g. with a 503 (retryable) or a 403.
 */
export class MemoryCluster implements Cluster {
  readonly bindings = new Map<string, RoleBindingManifest>();
  /** Told of every binding the API server created or deleted (the audit log records them: see MemoryActivityLog.recordBindingWrite). */
  onBindingWrite: ((cluster: string, verb: 'create' | 'delete', binding: BindingRef, subjects?: readonly { readonly kind: string; readonly name: string }[]) => void) | undefined;
  private refusals: ClusterError[] = [];
  private deleteRefusals: ClusterError[] = [];

  refuse(...errors: ClusterError[]): void {
    this.refusals.push(...errors);
  }

  /** Makes the next deletes fail with these errors (e.g. a 503 while a close revokes). */
  refuseDeletes(...errors: ClusterError[]): void {
    this.deleteRefusals.push(...errors);
  }

  /** The API server answers deletes again: refusals not taken yet are dropped. */
  acceptDeletes(): void {
    this.deleteRefusals = [];
  }

  static unavailable(): ClusterError {
    return new ClusterError('the API server answered 503', 503, { retryable: true });
  }

  static forbidden(): ClusterError {
    return new ClusterError('the API server answered 403', 403);
  }

  async applyBinding(cluster: string, manifest: RoleBindingManifest, options: { readonly dryRun?: boolean } = {}): Promise<'created' | 'exists'> {
    const refusal = this.refusals.shift();
    if (refusal !== undefined) throw refusal;
    const key = keyOf(cluster, manifest.metadata);
    const existing = this.bindings.get(key);
    if (existing !== undefined) {
      if (JSON.stringify(existing) === JSON.stringify(manifest)) return 'exists';
      throw new BindingConflictError(manifest.metadata.namespace, manifest.metadata.name, existing.metadata.labels[LABEL_LEASE_ID]);
    }
    if (options.dryRun !== true) {
      this.bindings.set(key, manifest);
      this.onBindingWrite?.(cluster, 'create', manifest.metadata, manifest.subjects);
    }
    return 'created';
  }

  async deleteBinding(cluster: string, binding: BindingRef, owner: BindingOwner): Promise<'deleted' | 'absent' | 'not-ours'> {
    const refusal = this.deleteRefusals.shift();
    if (refusal !== undefined) throw refusal;
    const key = keyOf(cluster, binding);
    const existing = this.bindings.get(key);
    if (existing === undefined) return 'absent';
    if (existing.metadata.labels[LABEL_LEASE_ID] !== owner.leaseId) return 'not-ours';
    this.bindings.delete(key);
    this.onBindingWrite?.(cluster, 'delete', binding);
    return 'deleted';
  }

  async listManaged(cluster: string, namespace: string): Promise<ManagedBinding[]> {
    return [...this.bindings.entries()]
      .filter(([key]) => key.startsWith(`${cluster}/${namespace}/`))
      .map(([, m]) => ({ namespace: m.metadata.namespace, name: m.metadata.name, leaseId: m.metadata.labels[LABEL_LEASE_ID], subject: m.subjects[0] === undefined ? undefined : { kind: m.subjects[0].kind, name: m.subjects[0].name } }));
  }

  async setExpiry(cluster: string, binding: BindingRef, owner: BindingOwner, expiresAt: string): Promise<'updated' | 'absent' | 'not-ours'> {
    const existing = this.bindings.get(keyOf(cluster, binding));
    if (existing === undefined) return 'absent';
    if (existing.metadata.labels[LABEL_LEASE_ID] !== owner.leaseId) return 'not-ours';
    this.bindings.set(keyOf(cluster, binding), { ...existing, metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations, [ANNOTATION_EXPIRES_AT]: expiresAt } } });
    return 'updated';
  }

  /** Roles and their rules, and bindings kube-lease did not make (standing access), for access reviews. */
  readonly roles = defaultRoles();
  readonly otherBindings: BindingGrant[] = [];

  async reviewAccess(cluster: string, subject: Subject, namespace: string, check: AccessCheck): Promise<{ readonly allowed: boolean; readonly reason?: string }> {
    const ours = [...this.bindings.entries()]
      .filter(([key]) => key.startsWith(`${cluster}/`))
      .map(([, m]): BindingGrant => ({ name: m.metadata.name, namespace: m.metadata.namespace, roleRef: m.roleRef, subjects: m.subjects }));
    // As the Kubernetes adapter asks: the subject, with the group every authenticated user has.
    const who = subject.kind === 'User' ? { user: subject.name, groups: ['system:authenticated'] } : { groups: [subject.name, 'system:authenticated'] };
    return authorize([...ours, ...this.otherBindings], this.roles, who, namespace, check);
  }

  /** Pods by namespace/name (in every cluster); see addPod. */
  readonly pods = new Map<string, PodInfo>();
  /** Every pod evictPod evicted, in order. */
  readonly evictedPods: { readonly cluster: string; readonly namespace: string; readonly name: string; readonly uid: string }[] = [];
  /**
   * PodDisruptionBudgets by `namespace/controller name`: how many more evictions of that
   * controller's pods each allows (the API server answers 429 when none is left).
   */
  readonly budgets = new Map<string, number>();
  private podRefusals: ClusterError[] = [];
  private podSerial = 0;

  /** Adds a pod (a fresh uid and creation time unless given); returns it. */
  addPod(namespace: string, name: string, pod: { uid?: string; createdAt?: string; controller?: { kind: string; name: string }; phase?: string } = {}): PodInfo {
    const info: PodInfo = { uid: pod.uid ?? randomUUID(), createdAt: pod.createdAt ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'), controller: pod.controller, phase: pod.phase ?? 'Running' };
    this.pods.set(`${namespace}/${name}`, info);
    return info;
  }

  /** Makes the next evictPod calls fail with these errors. */
  refusePodEvictions(...errors: ClusterError[]): void {
    this.podRefusals.push(...errors);
  }

  async getPod(_cluster: string, namespace: string, name: string): Promise<PodInfo | undefined> {
    return this.pods.get(`${namespace}/${name}`);
  }

  /**
   * Evicts the pod of that uid unless its controller's budget allows no more (refused, as the API
   * server's 429). As real controllers do, a controller-owned pod comes back with a new uid: a
   * StatefulSet's under the same name, any other's under `<owner>-r<n>`.
   */
  async evictPod(cluster: string, namespace: string, name: string, uid: string): Promise<EvictionResult> {
    const refusal = this.podRefusals.shift();
    if (refusal !== undefined) throw refusal;
    const existing = this.pods.get(`${namespace}/${name}`);
    if (existing === undefined || existing.uid !== uid) return { outcome: 'absent' };
    const owner = existing.controller;
    const budget = owner === undefined ? undefined : `${namespace}/${owner.name}`;
    const allowed = budget === undefined ? undefined : this.budgets.get(budget);
    if (budget !== undefined && allowed !== undefined) {
      if (allowed <= 0) return { outcome: 'refused', why: `a PodDisruptionBudget forbids evicting it now (The disruption budget ${owner?.name ?? ''} needs 2 healthy pods and has 2 currently)` };
      this.budgets.set(budget, allowed - 1);
    }
    this.pods.delete(`${namespace}/${name}`);
    this.evictedPods.push({ cluster, namespace, name, uid });
    if (owner !== undefined) {
      this.podSerial += 1;
      // Created after the pod it replaces, even within the same second.
      const createdAt = new Date(Math.max(Date.now(), Date.parse(existing.createdAt) + 1000)).toISOString().replace(/\.\d+Z$/, 'Z');
      this.addPod(namespace, owner.kind === 'StatefulSet' ? name : `${owner.name}-r${this.podSerial}`, { controller: owner, createdAt });
    }
    return { outcome: 'evicted' };
  }

  /** Every pod removed by a plain delete (deletePod), in order: kube-lease must never do one. */
  readonly deletedPods: { readonly cluster: string; readonly namespace: string; readonly name: string; readonly uid: string }[] = [];

  /**
   * A plain DELETE, as the API server allows one to whoever may delete pods: it ignores every
   * PodDisruptionBudget. Not part of the Cluster port (kube-lease evicts); here so that a test
   * sees it, should anything call it.
   */
  async deletePod(cluster: string, namespace: string, name: string, uid: string): Promise<'deleted' | 'absent'> {
    const existing = this.pods.get(`${namespace}/${name}`);
    if (existing === undefined || existing.uid !== uid) return 'absent';
    this.pods.delete(`${namespace}/${name}`);
    this.deletedPods.push({ cluster, namespace, name, uid });
    return 'deleted';
  }

  /** The namespaces in which a lease has a binding now. */
  namespacesOf(leaseId: string): string[] {
    return [...this.bindings.values()].filter((m) => m.metadata.labels[LABEL_LEASE_ID] === leaseId).map((m) => m.metadata.namespace).sort();
  }
}

function keyOf(cluster: string, ref: { readonly namespace: string; readonly name: string }): string {
  return `${cluster}/${ref.namespace}/${ref.name}`;
}

/** The scheduler port in memory: one timer set per lease, at the lease's current times. */
export class MemoryScheduler implements LeaseScheduler {
  readonly timers = new Map<string, { readonly expiresAt: string; readonly startsAt: string }>();
  async schedule(lease: Lease, _progress?: ScheduleProgress): Promise<void> {
    this.timers.set(lease.id, { expiresAt: lease.expiresAt, startsAt: lease.startsAt });
  }
  async cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void> {
    this.timers.delete(lease.id);
  }
}

/** A ticket source in memory: tickets the test sets, and the comments kube-lease writes. */
export class MemoryTicketSource implements TicketSource {
  readonly tickets = new Map<string, TicketSnapshot>();
  readonly comments: { readonly key: string; readonly text: string }[] = [];
  readonly groups = new Map<string, readonly string[]>();
  linked: LinkedTicket[] = [];

  put(ticket: TicketSnapshot): void {
    this.tickets.set(ticket.key, ticket);
  }
  async getTicket(key: string): Promise<TicketSnapshot> {
    const ticket = this.tickets.get(key);
    if (ticket === undefined) throw new TicketNotFoundError(key);
    return ticket;
  }
  async comment(key: string, text: string): Promise<void> {
    this.comments.push({ key, text });
  }
  async linkedTickets(): Promise<LinkedTicket[]> {
    return this.linked;
  }
  async groupsOf(person: Person, groups: readonly string[]): Promise<string[]> {
    return (this.groups.get(person.id) ?? []).filter((g) => groups.includes(g));
  }
  commentsOn(key: string): string[] {
    return this.comments.filter((c) => c.key === key).map((c) => c.text);
  }
}
