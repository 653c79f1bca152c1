import type { AuditEvent } from '../domain/activity.js';
import type { BindingChange } from '../domain/binding-lifecycle.js';

export interface ActivityQuery {
  /** The catalog's name of the cluster. */
  readonly cluster: string;
  /** Whose requests (the audit event's `user.username`). */
  readonly username: string;
  /** The window, both ends included. */
  readonly from: Date;
  readonly to: Date;
}

export interface BindingChangesQuery {
  readonly cluster: string;
  /** The lease whose RoleBindings (named after its id, see bindingName) are looked for. */
  readonly leaseId: string;
  /** When the changes were received, both ends included. */
  readonly from: Date;
  readonly to: Date;
}

/**
 * A cluster's API server audit log (EKS control-plane logs in CloudWatch Logs, or a kube-apiserver
 * audit log file). Errors: ActivityLogError (retryable when throttled or unreachable).
 */
export interface ActivityLog {
  /** Whether the catalog gives this cluster an audit log: without one, no evidence is collected. */
  configured(cluster: string): boolean;
  /** Seconds the log may lag behind the API server: evidence is collected this long after a lease ends. */
  delaySeconds(cluster: string): number;
  /** The user's events in the window, every page read; lines that are not audit events are skipped. */
  read(query: ActivityQuery): Promise<readonly AuditEvent[]>;
  /** Every successful create and delete of the lease's RoleBindings in the window, whoever made it, every page read. */
  bindingChanges(query: BindingChangesQuery): Promise<readonly BindingChange[]>;
}
