import type { Catalog } from './domain/catalog.js';

/** The group the function's own identity is mapped to (EKS access entry or the kubeconfig's user). */
export const DEFAULT_FUNCTION_GROUP = 'kube-lease:function';

export interface RbacObject {
  readonly apiVersion: 'rbac.authorization.k8s.io/v1';
  readonly kind: 'Role' | 'RoleBinding' | 'ClusterRole' | 'ClusterRoleBinding';
  /** No namespace for the cluster-scoped ClusterRole and ClusterRoleBinding. */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels: Readonly<Record<string, string>> };
  readonly rules?: readonly { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
  readonly roleRef?: { apiGroup: string; kind: 'Role' | 'ClusterRole'; name: string };
  readonly subjects?: readonly { apiGroup: string; kind: 'Group'; name: string }[];
}

/**
 * Everything kube-lease's own identity needs in one cluster, derived from the catalog so it cannot
 * drift: in each namespace some profile grants in, a Role that may create, read and delete
 * RoleBindings and `bind` exactly the roles the catalog's profiles name there, and its binding to
 * the function's group; where a profile ends its subjects' sessions at revoke (`onRevoke.sessions:
 * end`), also get pods and create their evictions (never delete them: an eviction honours
 * PodDisruptionBudgets, a delete does not). Nothing cluster-wide, nothing else.
 */
export function functionRbac(catalog: Catalog, cluster: string, group = DEFAULT_FUNCTION_GROUP): RbacObject[] {
  const byNamespace = new Map<string, { clusterRoles: Set<string>; roles: Set<string>; endsSessions: boolean }>();
  for (const profile of catalog.profiles.filter((p) => p.cluster === cluster)) {
    for (const namespace of profile.namespaces) {
      const entry = byNamespace.get(namespace) ?? { clusterRoles: new Set<string>(), roles: new Set<string>(), endsSessions: false };
      (profile.roleRef.kind === 'ClusterRole' ? entry.clusterRoles : entry.roles).add(profile.roleRef.name);
      if (profile.onRevoke?.sessions === 'end') entry.endsSessions = true;
      byNamespace.set(namespace, entry);
    }
  }
  const labels = { 'app.kubernetes.io/part-of': 'kube-lease' };
  const objects: RbacObject[] = [];
  for (const [namespace, { clusterRoles, roles, endsSessions }] of [...byNamespace].sort(([a], [b]) => a.localeCompare(b))) {
    const rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[] = [
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create', 'get', 'list', 'update', 'delete'] },
    ];
    if (clusterRoles.size > 0) rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: [...clusterRoles].sort() });
    if (roles.size > 0) rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['bind'], resourceNames: [...roles].sort() });
    // Ending a session evicts the pod it runs in (by uid, after reading it); nothing else of pods.
    if (endsSessions) {
      rules.push({ apiGroups: [''], resources: ['pods'], verbs: ['get'] });
      rules.push({ apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] });
    }
    objects.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'kube-lease-binder', namespace, labels }, rules });
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'kube-lease-binder', namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kube-lease-binder' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    });
  }
  if (objects.length > 0) {
    // After each grant and revoke kube-lease asks the API server whether the access works or is
    // gone (a SubjectAccessReview): cluster-scoped, read-only, and nothing else.
    objects.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'kube-lease-access-reviewer', labels }, rules: [{ apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] }] });
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kube-lease-access-reviewer', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kube-lease-access-reviewer' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    });
  }
  return objects;
}
