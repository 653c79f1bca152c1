import type { Person, TicketSourceName } from './ticket.js';
import {
  ANNOTATION_PREFIX,
  LABEL_LEASE_ID,
  LABEL_MANAGED_BY,
  LABEL_SOURCE,
  MANAGED_BY,
} from './names.js';

export type LeaseStatus = 'PENDING' | 'ACTIVE' | 'REVOKED' | 'FAILED';
export type RevokeCause = 'expiry' | 'sweep' | 'manual' | 'early';

/** Allowed transitions; anything else is a bug or a lost race, and the store refuses it. */
export const TRANSITIONS: Readonly<Record<LeaseStatus, readonly LeaseStatus[]>> = {
  PENDING: ['ACTIVE', 'FAILED'],
  ACTIVE: ['REVOKED'],
  REVOKED: [],
  FAILED: [],
};

export function canTransition(from: LeaseStatus, to: LeaseStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface RoleRef {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
}

export interface Subject {
  readonly kind: 'User' | 'Group';
  readonly name: string;
}

export interface BindingRef {
  readonly namespace: string;
  readonly name: string;
}

export interface HistoryEntry {
  readonly at: string;
  readonly from: LeaseStatus | null;
  readonly to: LeaseStatus;
  /** Who or what caused it: `webhook`, `revoke:expiry`, `sweep`, an operator… */
  readonly by: string;
  readonly note?: string | undefined;
}

/** One grant of one role to one subject in one or more namespaces of one cluster, for a bounded time. */
export interface Lease {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly source: TicketSourceName;
  readonly ticketKey: string;
  readonly ticketUrl: string;
  readonly requester: Person;
  readonly approver: Person;
  readonly subject: Subject;
  readonly profile: string;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly roleRef: RoleRef;
  readonly reason: string;
  readonly createdAt: string;
  readonly startsAt: string;
  readonly expiresAt: string;
  readonly status: LeaseStatus;
  readonly bindings: readonly BindingRef[];
  readonly scheduleName: string;
  readonly history: readonly HistoryEntry[];
  /** Incremented on every write; transitions compare-and-swap on it. */
  readonly version: number;
  readonly failureReason?: string | undefined;
  readonly revokedAt?: string | undefined;
  readonly revokeCause?: RevokeCause | undefined;
}

/** A RoleBinding as we create it: plain data, turned into an API object by the Kubernetes adapter. */
export interface RoleBindingManifest {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  };
  readonly roleRef: { readonly apiGroup: 'rbac.authorization.k8s.io'; readonly kind: RoleRef['kind']; readonly name: string };
  readonly subjects: readonly { readonly apiGroup: 'rbac.authorization.k8s.io'; readonly kind: Subject['kind']; readonly name: string }[];
}

/** Annotation values are free text from tickets: keep them bounded. */
function clip(text: string, max = 1024): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The RoleBinding for one namespace of a lease, labelled and annotated as ARCHITECTURE.md requires. */
export function bindingManifest(lease: Lease, binding: BindingRef): RoleBindingManifest {
  return {
    metadata: {
      name: binding.name,
      namespace: binding.namespace,
      labels: {
        [LABEL_MANAGED_BY]: MANAGED_BY,
        [LABEL_LEASE_ID]: lease.id,
        [LABEL_SOURCE]: lease.source,
      },
      annotations: {
        [`${ANNOTATION_PREFIX}ticket`]: lease.ticketKey,
        [`${ANNOTATION_PREFIX}ticket-url`]: clip(lease.ticketUrl),
        [`${ANNOTATION_PREFIX}requester`]: clip(lease.requester.email ?? lease.requester.id),
        [`${ANNOTATION_PREFIX}approver`]: clip(lease.approver.email ?? lease.approver.id),
        [`${ANNOTATION_PREFIX}reason`]: clip(lease.reason),
        [`${ANNOTATION_PREFIX}expires-at`]: lease.expiresAt,
      },
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: lease.roleRef.kind, name: lease.roleRef.name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: lease.subject.kind, name: lease.subject.name }],
  };
}
