import type { AuditEvent } from './activity.js';
import { perRequest } from './activity-events.js';
import type { BindingRef } from './lease.js';

/**
 * Which of the subject's requests a lease answers for: those its own bindings allowed (the RBAC
 * authorizer names the binding in the audit annotation), those refused (attempts during the lease),
 * and those whose authorizing binding the log does not name (another authorizer, or a policy without
 * annotations: they cannot be told apart, so they count). Requests another binding allowed (standing
 * access, an overlapping lease) are the other binding's, and are only counted as `elsewhere`.
 */
export function attributeTo(events: readonly AuditEvent[], bindings: readonly BindingRef[]): { readonly mine: AuditEvent[]; readonly elsewhere: number } {
  const mine: AuditEvent[] = [];
  let others = 0;
  // One event per request first: a request's earlier stages carry no authorizer annotation.
  for (const e of perRequest(events)) {
    const by = e.authorizedBy;
    const refused = e.code === 401 || e.code === 403;
    const ours = by === undefined || (by.kind === 'RoleBinding' && bindings.some((b) => b.name === by.name && b.namespace === by.namespace));
    if (refused || ours) mine.push(e);
    else others += 1;
  }
  return { mine, elsewhere: others };
}

/** `RBAC: allowed by RoleBinding "name/namespace" of Role "r" to User "u"` (audit annotation authorization.k8s.io/reason). */
export function authorizationOf(reason: string | undefined): Pick<AuditEvent, 'authorizedBy'> {
  const m = /^RBAC: allowed by (RoleBinding|ClusterRoleBinding) "([^"/]+)(?:\/([^"/]+))?"/.exec(reason ?? '');
  if (m?.[1] === undefined || m[2] === undefined) return {};
  return { authorizedBy: { kind: m[1] === 'RoleBinding' ? 'RoleBinding' : 'ClusterRoleBinding', name: m[2], ...(m[3] === undefined ? {} : { namespace: m[3] }) } };
}
