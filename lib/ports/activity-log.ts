import type { AuditEvent } from '../domain/activity.js';
import type { UnreadableLine } from '../domain/activity-unreadable.js';
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

/** Where to look for log lines that are not readable audit events (see ActivityLog.unreadable). */
export interface UnreadableQuery extends ActivityQuery {
  /** The lease's namespaces: lines naming a path in one of them (`/namespaces/<ns>/`) are looked at. */
  readonly namespaces: readonly string[];
  /**
   * pods: only lines naming a pod of those namespaces (`/namespaces/<ns>/pods/`: the revoke's search
   * for streams); all: any path in them, or the user's name.
   */
  readonly scope: 'pods' | 'all';
  /** At most this many pages are read (the revoke: 1); past them the read is not `complete`. */
  readonly maxPages?: number | undefined;
}

/** What a search for unreadable lines found. */
export interface UnreadableRead {
  /** Lines in the window that are not readable audit events and may be the user's requests in the namespaces. */
  readonly count: number;
  /** The first of them (at most UNREADABLE_LINES_KEPT). */
  readonly lines: readonly UnreadableLine[];
  /** Whether the search reached the end of the window: else there may be more than `count`. */
  readonly complete: boolean;
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
  /**
   * The lines in the window that are not readable audit events (cut off by the log, e.g. over
   * CloudWatch Logs' event size) and may be the user's requests in the namespaces: a line cut before
   * its `user` field names no user, so it is looked for by the namespaces' paths (and the user's
   * name, and the log's own truncation marker). `read` cannot see them.
   */
  unreadable(query: UnreadableQuery): Promise<UnreadableRead>;

  /** Every successful create and delete of the lease's RoleBindings in the window, whoever made it, every page read. */
  bindingChanges(query: BindingChangesQuery): Promise<readonly BindingChange[]>;
}
