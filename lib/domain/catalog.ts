/**
 * The access catalog as the rest of the code sees it: validated, durations in seconds, defaults
 * filled in. Parsing and validation live in `adapters/catalog/` (a compile-time check keeps that
 * schema and these types in step); here only the shape and pure queries.
 */

import type { StreamKind } from './activity.js';
import type { BreakGlassRule, OnCallRule } from './on-call.js';

/**
 * The stream kinds whose pods a revoke evicts unless the profile says otherwise: a shell (exec,
 * attach) and a pods/proxy upgrade (a WebSocket into the pod, a shell when the pod serves a web
 * terminal: nothing in the audit log tells it from one), not a port-forward.
 */
export const DEFAULT_END_STREAMS: readonly StreamKind[] = ['exec', 'attach', 'proxy'];
/** Pods of one controller one revoke evicts unless the profile says otherwise. */
export const DEFAULT_PODS_PER_CONTROLLER = 1;
/** Most pods one revoke evicts (one after another); the rest are reported, not ended. */
export const MAX_PODS_ENDED = 10;

/** Roles that no catalog may ever bind, whatever its own `forbiddenRoles` says. */
export const ALWAYS_FORBIDDEN_ROLES = ['cluster-admin'] as const;
/** ServiceNow change states in which access may be granted, unless the catalog says otherwise: Scheduled, Implement. */
export const SERVICENOW_DEFAULT_APPROVED_STATES = ['-2', '-1'] as const;
/** ServiceNow change states that end access early, unless the catalog says otherwise: Closed, Canceled. */
export const SERVICENOW_DEFAULT_CLOSED_STATES = ['3', '4'] as const;
/** Placeholders a subject template may use; each maps to a field of the ITSM user. */
export const SUBJECT_PLACEHOLDERS = ['email', 'accountId', 'emailLocalPart'] as const;

/** One request a subject makes of the API server, as a SubjectAccessReview asks it (authorization.k8s.io/v1). */
export interface AccessCheck {
  readonly verb: string;
  readonly resource: string;
  /** The API group; `""` is the core group. */
  readonly group: string;
  readonly subresource?: string | undefined;
}

/** The check of a profile without `verify`: whether the subject can read pods, what most access is for. */
export const DEFAULT_ACCESS_CHECK: AccessCheck = { verb: 'get', resource: 'pods', group: '' };

/** The access check of a profile. */
export function accessCheckOf(profile: Pick<Profile, 'verify'>): AccessCheck {
  return profile.verify ?? DEFAULT_ACCESS_CHECK;
}

export interface SubjectTemplate {
  readonly kind: 'User' | 'Group';
  /** A template such as `{email}` or `oidc:{emailLocalPart}`. */
  readonly name: string;
}

export interface Profile {
  readonly name: string;
  readonly description?: string | undefined;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly roleRef: { readonly kind: 'Role' | 'ClusterRole'; readonly name: string };
  /** Seconds. */
  readonly defaultDuration: number;
  /** Seconds. */
  readonly maxDuration: number;
  readonly requesters?: readonly string[] | undefined;
  readonly approvers?: readonly string[] | undefined;
  /** At least one approver must belong to one of these ITSM groups (checked through the ITSM API). */
  readonly approverGroups?: readonly string[] | undefined;
  /** Protected namespaces this profile may still grant in, named one by one. */
  readonly allowProtectedNamespaces?: readonly string[] | undefined;
  /** The justification must match this (linear-time) pattern. */
  readonly justification?: { readonly pattern: string; readonly hint?: string | undefined } | undefined;
  /** The ticket must link to another ticket that is, right now and per the ITSM API, in one of these states. */
  readonly linkedTicket?:
    | {
        readonly jiraStatuses?: readonly string[] | undefined;
        readonly serviceNowStates?: readonly string[] | undefined;
        readonly serviceNowField: string;
        readonly serviceNowTable: string;
      }
    | undefined;
  /** Validate bindings with server-side dry run instead of creating them. */
  readonly dryRun?: boolean | undefined;
  /** What the profile's access is for, asked of the API server after a grant and after a revoke (default: get pods). */
  readonly verify?: AccessCheck | undefined;
  readonly subject?: SubjectTemplate | undefined;
  /**
   * Streams the subject opened (exec, attach, port-forward, proxy upgrades) at revoke: listed (`report`) or, for
   * the kinds in `streams`, their pods evicted (`end`), at most `podsPerController` pods of one
   * controller per revoke.
   */
  readonly onRevoke?: { readonly sessions: 'report' | 'end'; readonly streams: readonly StreamKind[]; readonly podsPerController: number } | undefined;
  /**
   * On-call approval: an open ticket naming this profile is approved when PagerDuty shows the
   * requester on call right now in one of these escalation policies or schedules (and, if
   * `incidentServices` is set, an incident is open on one of those services).
   */
  readonly onCall?: OnCallRule | undefined;
  /** Break-glass: self-approval through a dedicated path (Jira `jira.breakGlassStatuses`, a ServiceNow emergency change). */
  readonly breakGlass?: BreakGlassRule | undefined;
  /** Seconds: a lease with no request through its bindings for this long (per the audit log) is revoked early (see domain/idle.ts). */
  readonly idleTimeout?: number | undefined;
}

/** A cluster's API server audit log; `delay`: seconds it may lag behind. */
export type AuditLogConfig =
  | { readonly type: 'cloudwatch'; readonly logGroup: string; readonly region?: string | undefined; readonly delay: number }
  | { readonly type: 'file'; readonly path: string; readonly delay: number };

/** A cluster reached through a kubeconfig (a secret reference, or `KUBECONFIG` locally). */
export interface KubeconfigCluster {
  readonly type?: 'kubeconfig' | undefined;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly auditLog?: AuditLogConfig | undefined;
}

/** An EKS cluster reached with the function's own IAM identity. */
export interface EksCluster {
  readonly type: 'eks';
  readonly name: string;
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly caData?: string | undefined;
  readonly auditLog?: AuditLogConfig | undefined;
}

export type ClusterConfig = EksCluster | KubeconfigCluster;

/** Where Jira review tasks of on-call and break-glass leases are opened (see review-task.ts). */
export interface JiraReviewSettings {
  /** Project key of the review issues. */
  readonly project: string;
  /** Issue type name of the review issues (e.g. `Task`). */
  readonly issueType: string;
  /** Issue link type from the review issue to the lease's ticket (e.g. `Relates`); absent: the ticket is named in the description only. */
  readonly linkType?: string | undefined;
}

export interface JiraCatalog {
  readonly approvedStatuses: readonly string[];
  /** Statuses that end access early (closed, cancelled, declined…). */
  readonly closedStatuses: readonly string[];
  /** Statuses in which an issue asks for on-call approval (for profiles with `onCall`); none by default. */
  readonly onCallStatuses: readonly string[];
  /** Statuses in which the requester approves their own issue through break-glass (profiles with `breakGlass`). */
  readonly breakGlassStatuses: readonly string[];
  /** `servicedesk`: a Jira Service Management approval with final decision "approved" is required too. */
  readonly approvals: 'status' | 'servicedesk';
  /** Project keys whose issues may request access; absent: every project. */
  readonly projects?: readonly string[] | undefined;
  readonly issueTypes?: readonly string[] | undefined;
  /** Account ids of automation accounts whose approvals count. */
  readonly automationApprovers: readonly string[];
  /** Review tasks of on-call and break-glass leases (absent: none can be opened, and such leases count as unreviewed). */
  readonly review?: JiraReviewSettings | undefined;
  readonly fields: {
    readonly profile: string;
    readonly duration?: string | undefined;
    readonly namespaces?: string | undefined;
    readonly requester: string;
    readonly justification: string;
    readonly start?: string | undefined;
    readonly end?: string | undefined;
  };
}

export interface ServiceNowCatalog {
  /** sys_ids of non-person accounts whose approvals count. */
  readonly automationApprovers: readonly string[];
  /** change_request.state values in which access may be granted. */
  readonly approvedStates: readonly string[];
  /** change_request.state values that end access early. */
  readonly closedStates: readonly string[];
  readonly fields: {
    readonly profile: string;
    readonly duration?: string | undefined;
    readonly namespaces?: string | undefined;
    readonly requester: string;
    readonly justification: string;
    readonly start: string;
    readonly end: string;
  };
}

/** A validated access catalog. */
export interface Catalog {
  readonly version: 1;
  readonly jira?: JiraCatalog | undefined;
  readonly servicenow?: ServiceNowCatalog | undefined;
  readonly subject: SubjectTemplate;
  readonly forbiddenRoles: readonly string[];
  /** Namespaces no profile may grant in unless it names them in allowProtectedNamespaces. */
  readonly protectedNamespaces: readonly string[];
  /** Most open (scheduled, pending or active) leases one requester may hold at once. */
  readonly maxActiveLeasesPerRequester?: number | undefined;
  /** Dry run for the whole deployment. */
  readonly dryRun: boolean;
  /** Days after which an on-call or break-glass lease whose review task is not done counts as unreviewed (default 7). */
  readonly unreviewedAfterDays?: number | undefined;
  readonly clusters: Readonly<Record<string, ClusterConfig>>;
  readonly profiles: readonly Profile[];
}

/** Things a valid catalog may still get wrong, for `catalog check` and the start's log. */
export function catalogWarnings(catalog: Catalog): string[] {
  const used = new Set(catalog.profiles.map((p) => p.cluster));
  const warnings = Object.keys(catalog.clusters)
    .filter((name) => !used.has(name))
    .map((name) => `cluster "${name}" is used by no profile`);
  if (catalog.jira !== undefined && catalog.jira.projects === undefined) warnings.push('jira.projects is not set: issues of every Jira project may request access');
  const onCallProfiles = catalog.profiles.filter((p) => p.onCall !== undefined).map((p) => p.name);
  if (onCallProfiles.length > 0 && catalog.jira !== undefined && catalog.jira.onCallStatuses.length === 0) {
    warnings.push(`profile(s) ${onCallProfiles.join(', ')} accept on-call approval, but jira.onCallStatuses names no status: Jira issues never ask for it`);
  }
  const emergency = catalog.profiles.filter((p) => p.onCall !== undefined || p.breakGlass !== undefined).map((p) => p.name);
  if (emergency.length > 0 && catalog.jira !== undefined && catalog.jira.review === undefined) {
    warnings.push(`profile(s) ${emergency.join(', ')} grant without a person's approval, but jira.review is not set: their Jira leases get no review task and count as unreviewed`);
  }
  for (const p of catalog.profiles) {
    if (catalog.clusters[p.cluster]?.auditLog !== undefined && (p.subject ?? catalog.subject).kind === 'Group') warnings.push(`profile "${p.name}" binds a Group: the audit log names users, so its leases get no activity evidence and no session list`);
  }
  return warnings;
}

/** Looks up a profile by name; names are compared case-insensitively and trimmed. */
export function findProfile(catalog: Catalog, name: string): Profile | undefined {
  const wanted = name.trim().toLowerCase();
  return catalog.profiles.find((p) => p.name === wanted);
}

/** Whether a role may ever be bound under this catalog. */
export function isForbiddenRole(catalog: Catalog, roleName: string): boolean {
  const name = roleName.toLowerCase();
  return [...ALWAYS_FORBIDDEN_ROLES, ...catalog.forbiddenRoles].some((r) => r.toLowerCase() === name);
}
