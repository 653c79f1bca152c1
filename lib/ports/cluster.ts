import type { BindingRef, RoleBindingManifest } from '../domain/lease.js';

export interface ManagedBinding extends BindingRef {
  readonly leaseId: string | undefined;
}

/** The Kubernetes clusters of the catalog. Errors: ClusterError, BindingConflictError. */
export interface Cluster {
  /**
   * Creates the binding. An existing binding of the same name counts as success only when it
   * carries the same lease id label; otherwise BindingConflictError. With `dryRun`, the API server
   * validates and authorises the request (server-side `dryRun=All`) and nothing is stored.
   */
  applyBinding(cluster: string, manifest: RoleBindingManifest, options?: { readonly dryRun?: boolean }): Promise<'created' | 'exists'>;
  /**
   * Deletes the binding if it carries `leaseId`'s label. A binding that is already gone counts as
   * done (`absent`); one that belongs to someone else is left alone (`not-ours`).
   */
  deleteBinding(cluster: string, binding: BindingRef, leaseId: string): Promise<'deleted' | 'absent' | 'not-ours'>;
  /**
   * Rewrites the expiry annotation of a binding of this lease (after an extension). A binding that
   * is gone or not ours is left alone.
   */
  /** RoleBindings in a namespace that carry our managed-by label, whoever created them. */
  listManaged(cluster: string, namespace: string): Promise<ManagedBinding[]>;
  setExpiry(cluster: string, binding: BindingRef, leaseId: string, expiresAt: string): Promise<'updated' | 'absent' | 'not-ours'>;
}
