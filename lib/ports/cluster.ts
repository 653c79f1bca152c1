import type { AccessCheck } from '../domain/catalog.js';
import type { BindingRef, RoleBindingManifest, RoleRef, Subject } from '../domain/lease.js';

export interface ManagedBinding extends BindingRef {
  readonly leaseId: string | undefined;
  /** Whom it binds (its first subject), when it names one. */
  readonly subject?: Subject | undefined;
}

/**
 * Who a binding must belong to before kube-lease changes or deletes it: this deployment (checked
 * by the adapter), this lease, and, where the lease record is known, exactly its role and subject.
 */
export interface BindingOwner {
  readonly leaseId: string;
  readonly roleRef?: RoleRef;
  readonly subject?: Subject;
}

/** A pod as kube-lease needs to know it before ending the streams that run in it. */
export interface PodInfo {
  readonly uid: string;
  /** metadata.creationTimestamp (RFC 3339). */
  readonly createdAt: string;
  /** The owner reference with `controller: true`, if any: a pod without one is not recreated when deleted. */
  readonly controller?: { readonly kind: string; readonly name: string } | undefined;
  /** status.phase: a Succeeded or Failed pod runs nothing, and its controller does not recreate it. */
  readonly phase?: string | undefined;
  /** spec.terminationGracePeriodSeconds: how long the pod may take to stop once deleted or evicted (the API server defaults it to 30). */
  readonly gracePeriodSeconds?: number | undefined;
  /**
   * metadata.deletionTimestamp: set when the pod is already terminating (a graceful delete was
   * requested): the time its grace period ends, when the kubelet kills what still runs.
   */
  readonly deletingAt?: string | undefined;
  /** metadata.deletionGracePeriodSeconds: the grace period of that delete. */
  readonly deletionGracePeriodSeconds?: number | undefined;
}

/**
 * What an eviction came to: `evicted` (the API server accepted it: the pod terminates within its
 * grace period); `absent` (that pod is gone: 404 for it, or it was replaced under the same name);
 * `refused` (a PodDisruptionBudget forbids it now, or more than one selects the pod), never forced.
 */
export type EvictionResult = { readonly outcome: 'evicted' } | { readonly outcome: 'absent' } | { readonly outcome: 'refused'; readonly why: string };

/** The Kubernetes clusters of the catalog. Errors: ClusterError, BindingConflictError. */
export interface Cluster {
  /**
   * Creates the binding, labelled as this deployment's. An existing binding of the same name counts
   * as success only when it is exactly this one (roleRef, subjects, and every label and annotation
   * we set); anything else is a BindingConflictError and is left untouched. With `dryRun`, the API
   * server validates and authorises the request (server-side `dryRun=All`) and nothing is stored.
   */
  applyBinding(cluster: string, manifest: RoleBindingManifest, options?: { readonly dryRun?: boolean }): Promise<'created' | 'exists'>;
  /**
   * Deletes the binding if it belongs to `owner` (see BindingOwner). A binding that is already gone
   * counts as done (`absent`); one that belongs to someone else is left alone (`not-ours`).
   */
  deleteBinding(cluster: string, binding: BindingRef, owner: BindingOwner): Promise<'deleted' | 'absent' | 'not-ours'>;
  /** RoleBindings in a namespace that carry our managed-by label and this deployment's label. */
  listManaged(cluster: string, namespace: string): Promise<ManagedBinding[]>;
  /**
   * Rewrites the expiry annotation of a binding of `owner` (after an extension). A binding that is
   * gone or not ours is left alone.
   */
  setExpiry(cluster: string, binding: BindingRef, owner: BindingOwner, expiresAt: string): Promise<'updated' | 'absent' | 'not-ours'>;
  /**
   * Asks the API server whether `subject` may do `check` in `namespace` now (a SubjectAccessReview:
   * its authorizers decide, through every binding there is, not only ours). Read-only.
   */
  reviewAccess(cluster: string, subject: Subject, namespace: string, check: AccessCheck): Promise<{ readonly allowed: boolean; readonly reason?: string | undefined }>;
  /**
   * The pod, or undefined only when a read of that pod answered 404 NotFound for it (any other
   * failure, a discovery or proxy 404 included, is a ClusterError). Read-only.
   */
  getPod(cluster: string, namespace: string, name: string): Promise<PodInfo | undefined>;
  /**
   * Evicts the pod through the Eviction API (POST .../pods/<name>/eviction, policy/v1), which
   * honours PodDisruptionBudgets, if it is still the one with `uid` (a delete precondition, so a
   * pod recreated under the same name is never touched). Never a plain delete, never forced.
   */
  evictPod(cluster: string, namespace: string, name: string, uid: string): Promise<EvictionResult>;
}

/** The owner of a lease's bindings, as its record says. */
export function ownerOf(lease: { readonly id: string; readonly roleRef: RoleRef; readonly subject: Subject }): BindingOwner {
  return { leaseId: lease.id, roleRef: lease.roleRef, subject: lease.subject };
}
