import type { AccessCheck } from '../../lib/domain/catalog.js';

/** A PolicyRule of a Role or ClusterRole, as the RBAC API holds it. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** A binding as the RBAC authorizer reads it: where it applies (a namespace, or everywhere for a ClusterRoleBinding), to whom, which role. */
export interface BindingGrant {
  /** metadata.name: the RBAC authorizer names the binding that allowed a request (audit annotation authorization.k8s.io/reason). */
  readonly name?: string | undefined;
  readonly namespace: string | undefined;
  readonly roleRef: { readonly kind: string; readonly name: string };
  readonly subjects: readonly { readonly kind: string; readonly name: string }[];
}

/**
 * Roles of the demo and test catalogs, with rules like the real ones: `view` is Kubernetes' built-in
 * aggregated read-only ClusterRole (abridged: no secrets); `pod-debugger` a namespaced Role for incidents.
 */
export function defaultRoles(): Map<string, readonly PolicyRule[]> {
  const podDebugger: PolicyRule[] = [
    { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['create'] },
  ];
  return new Map<string, readonly PolicyRule[]>([
    ['ClusterRole/view', [{ apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'configmaps', 'endpoints'], verbs: ['get', 'list', 'watch'] }, { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets'], verbs: ['get', 'list', 'watch'] }]],
    ...['payments', 'payments-worker', 'checkout', 'default'].map((ns): [string, readonly PolicyRule[]] => [`Role/${ns}/pod-debugger`, podDebugger]),
  ]);
}

/**
 * What Kubernetes' RBAC authorizer answers to a SubjectAccessReview: allowed when some binding that
 * applies in the namespace names the subject (a User by name, or one of its groups) and its role
 * has a rule matching group, resource (with subresource) and verb. Unknown roles grant nothing.
 */
export function authorize(
  bindings: readonly BindingGrant[],
  roles: ReadonlyMap<string, readonly PolicyRule[]>,
  who: { readonly user?: string | undefined; readonly groups?: readonly string[] | undefined },
  namespace: string,
  check: AccessCheck,
): { allowed: boolean; reason: string } {
  const resource = check.subresource === undefined ? check.resource : `${check.resource}/${check.subresource}`;
  for (const binding of bindings) {
    if (binding.namespace !== undefined && binding.namespace !== namespace) continue;
    const names = binding.subjects.some((s) => (s.kind === 'User' && s.name === who.user) || (s.kind === 'Group' && (who.groups ?? []).includes(s.name)));
    if (!names) continue;
    const key = binding.roleRef.kind === 'ClusterRole' ? `ClusterRole/${binding.roleRef.name}` : `Role/${binding.namespace ?? ''}/${binding.roleRef.name}`;
    const rules = roles.get(key) ?? [];
    const matches = rules.some(
      (r) => (r.apiGroups.includes(check.group) || r.apiGroups.includes('*')) && (r.resources.includes(resource) || r.resources.includes('*')) && (r.verbs.includes(check.verb) || r.verbs.includes('*')),
    );
    if (matches) {
      // As Kubernetes' RBAC authorizer words it: RoleBinding "name/namespace" of Role "r" to User "u".
      const kind = binding.namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding';
      const name = binding.name === undefined ? '' : ` "${binding.namespace === undefined ? binding.name : `${binding.name}/${binding.namespace}`}"`;
      const subject = binding.subjects.find((s) => (s.kind === 'User' && s.name === who.user) || (s.kind === 'Group' && (who.groups ?? []).includes(s.name)));
      return { allowed: true, reason: `RBAC: allowed by ${kind}${name} of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${subject?.kind ?? 'User'} "${subject?.name ?? ''}"` };
    }
  }
  return { allowed: false, reason: '' };
}
