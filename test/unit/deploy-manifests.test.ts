import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments, stringify } from 'yaml';
import { ClusterPolicy } from '@kubernetes-models/kyverno/kyverno.io/v1/ClusterPolicy';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { ANNOTATION_EXPIRES_AT, kyvernoTtl, LABEL_KYVERNO_TTL, LABEL_MANAGED_BY, MANAGED_BY } from '../../lib/domain/names.js';
import { kyvernoManifests } from '../../lib/kyverno.js';
import { evaluate, type AdmissionRequest } from '../support/kyverno-eval.js';
import { functionRbac } from '../../lib/rbac.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

/**
 * Schemas: Kyverno's ClusterPolicy (kyverno.io/v1) as published in @kubernetes-models/kyverno 2.0.0,
 * generated from github.com/kyverno/kyverno/api/kyverno/v1; Kubernetes' RBAC objects as published in
 * kubernetes-models 5.1.0 (the Kubernetes OpenAPI schema). Both check types and required fields.
 */
function schemaErrors(object: Record<string, unknown>): string {
  const kind = String(object.kind);
  try {
    if (kind === 'ClusterPolicy') new ClusterPolicy(object as ConstructorParameters<typeof ClusterPolicy>[0]).validate();
    else if (kind === 'Role') new Role(object as ConstructorParameters<typeof Role>[0]).validate();
    else if (kind === 'RoleBinding') new RoleBinding(object as ConstructorParameters<typeof RoleBinding>[0]).validate();
    else if (kind === 'ClusterRole') new ClusterRole(object as ConstructorParameters<typeof ClusterRole>[0]).validate();
    else if (kind === 'ClusterRoleBinding') new ClusterRoleBinding(object as ConstructorParameters<typeof ClusterRoleBinding>[0]).validate();
    else return `no schema for ${kind}`;
    return 'valid';
  } catch (error) {
    return `${kind}: ${(error as Error).message}`;
  }
}

const NOW = new Date('2026-11-28T12:00:00.000Z');
const inHours = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000).toISOString();
const FUNCTION = { username: 'arn:aws:sts::123456789012:assumed-role/kube-lease-prod-webhook/jiraWebhook', groups: ['kube-lease:function', 'system:authenticated'] };
const ALICE = { username: 'alice@example.com', groups: ['developers', 'system:authenticated'] };
const ADMIN = { username: 'admin@example.com', groups: ['system:masters', 'system:authenticated'] };
const CLEANUP = { username: 'system:serviceaccount:kyverno:kyverno-cleanup-controller', groups: ['system:serviceaccounts', 'system:authenticated'] };

/** A RoleBinding; `lease` makes it one kube-lease creates (labels, expiry), to role `role`. */
function binding(options: { lease?: boolean; role?: string; kind?: 'Role' | 'ClusterRole'; expires?: string; ttl?: string; subjects?: { kind: string; name: string }[]; name?: string } = {}) {
  const lease = options.lease ?? true;
  const expires = options.expires ?? inHours(1);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: {
      name: options.name ?? 'kl-payments-read-0123456789abcdef0123',
      namespace: 'payments',
      labels: lease ? { [LABEL_MANAGED_BY]: MANAGED_BY, 'kube-lease.io/lease-id': '0123456789abcdef0123', 'kube-lease.io/deployment': 'kube-lease-prod', [LABEL_KYVERNO_TTL]: kyvernoTtl(options.ttl ?? expires) } : { team: 'payments' },
      annotations: lease ? { [ANNOTATION_EXPIRES_AT]: expires } : {},
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: options.kind ?? 'ClusterRole', name: options.role ?? 'view' },
    subjects: (options.subjects ?? [{ kind: 'User', name: 'alice@example.com' }]).map((s) => ({ apiGroup: 'rbac.authorization.k8s.io', ...s })),
  };
}
const unlabelled = (b: ReturnType<typeof binding>) => ({ ...b, metadata: { ...b.metadata, labels: {} } });

describe('the Kyverno backstop (npm run rbac -- --kyverno)', () => {
  const example = parseCatalog(readFileSync('deploy/catalog.example.yaml', 'utf8'));
  const manifests = kyvernoManifests(example);
  const policy = manifests.find((m) => m.kind === 'ClusterPolicy') as unknown as Parameters<typeof evaluate>[0];

  it('is what deploy/kyverno-policies.yaml ships, so the example cannot drift from the catalog', () => {
    const shipped = parseAllDocuments(readFileSync('deploy/kyverno-policies.yaml', 'utf8')).map((d) => d.toJS() as unknown);
    expect(shipped).toEqual(JSON.parse(JSON.stringify(manifests)));
  });

  it('validates against Kyverno\'s ClusterPolicy schema and Kubernetes\' RBAC schema', () => {
    for (const object of manifests) expect(schemaErrors(object)).toBe('valid');
    // The schemas do catch mistakes: a rule without match, a ClusterRole rule without verbs.
    expect(schemaErrors({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'x' }, spec: { rules: [{ name: 'r' }] } })).toContain('match');
    expect(schemaErrors({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' }, rules: [{ apiGroups: [''] }] })).toContain('verbs');
  });

  it('gives Kyverno\'s cleanup controller what it needs to delete expired bindings (aggregated ClusterRole)', () => {
    const role = manifests.find((m) => m.kind === 'ClusterRole') as { metadata: { labels: Record<string, string> }; rules: { resources: string[]; verbs: string[] }[] };
    expect(role.metadata.labels['rbac.kyverno.io/aggregate-to-cleanup-controller']).toBe('true');
    expect(role.rules).toEqual([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['get', 'list', 'watch', 'delete'] }]);
  });

  it('sets allowExistingViolations: false on every rule (Kyverno 1.13+ lets a violating UPDATE through otherwise)', () => {
    for (const rule of (policy as unknown as { spec: { rules: { validate: { allowExistingViolations?: boolean } }[] } }).spec.rules) expect(rule.validate.allowExistingViolations).toBe(false);
  });

  // What the cluster will do, request by request. The catalog's roles: view, pod-debugger; longest maximum 4h.
  it.each<[string, AdmissionRequest['userInfo'], AdmissionRequest['operation'], object | null, object | null, string | undefined]>([
    ['kube-lease creates a lease binding', FUNCTION, 'CREATE', null, binding(), undefined],
    ['kube-lease moves a lease\'s expiry (extension)', FUNCTION, 'UPDATE', binding(), binding({ expires: inHours(3) }), undefined],
    ['kube-lease deletes a lease binding', FUNCTION, 'DELETE', binding(), null, undefined],
    ['kube-lease creates an unlabelled binding (a stolen identity\'s standing access)', FUNCTION, 'CREATE', null, unlabelled(binding()), 'kube-lease-writes-only-leases'],
    ['kube-lease creates a lease binding without the TTL label', FUNCTION, 'CREATE', null, { ...binding(), metadata: { ...binding().metadata, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } } }, 'kube-lease-writes-only-leases'],
    ['kube-lease binds a role the catalog does not name', FUNCTION, 'CREATE', null, binding({ role: 'edit' }), 'kube-lease-writes-only-leases'],
    ['kube-lease binds cluster-admin', FUNCTION, 'CREATE', null, binding({ role: 'cluster-admin' }), 'kube-lease-writes-only-leases'],
    ['kube-lease binds two subjects', FUNCTION, 'CREATE', null, binding({ subjects: [{ kind: 'User', name: 'a' }, { kind: 'User', name: 'b' }] }), 'kube-lease-writes-only-leases'],
    ['kube-lease creates a lease longer than the catalog allows', FUNCTION, 'CREATE', null, binding({ expires: inHours(30) }), 'lease-expiry-within-maximum'],
    ['kube-lease sets a TTL label far beyond the expiry (Kyverno would never clean it up)', FUNCTION, 'CREATE', null, binding({ ttl: '2099-01-01T00:00:00.000Z' }), 'lease-expiry-within-maximum'],
    ['kube-lease binds a system: group', FUNCTION, 'CREATE', null, binding({ subjects: [{ kind: 'Group', name: 'system:authenticated' }] }), 'kube-lease-writes-only-leases'],
    ['kube-lease writes a lease binding without its deployment label (invisible to the sweep)', FUNCTION, 'CREATE', null, { ...binding(), metadata: { ...binding().metadata, labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_KYVERNO_TTL]: kyvernoTtl(inHours(1)) } } }, 'kube-lease-writes-only-leases'],
    ['kube-lease removes the label on an update', FUNCTION, 'UPDATE', binding(), unlabelled(binding()), 'managed-label-stays'],
    ['kube-lease deletes someone else\'s binding', FUNCTION, 'DELETE', unlabelled(binding({ role: 'admin' })), null, 'kube-lease-deletes-only-leases'],
    // Issue 23, item 11: relabelling, subject kinds, (kind, name) role pairs.
    ['kube-lease turns a team\'s unlabelled binding into a lease of its own (to rebind, then delete it)', FUNCTION, 'UPDATE', unlabelled(binding({ subjects: [{ kind: 'Group', name: 'payments-team' }] })), binding({ subjects: [{ kind: 'User', name: 'mallory@example.com' }] }), 'kube-lease-updates-only-leases'],
    ['kube-lease relabels an unlabelled binding keeping everything else', FUNCTION, 'UPDATE', unlabelled(binding()), binding(), 'kube-lease-updates-only-leases'],
    ['kube-lease binds a ServiceAccount (the catalog binds Users only)', FUNCTION, 'CREATE', null, binding({ subjects: [{ kind: 'ServiceAccount', name: 'default' }] }), 'kube-lease-writes-only-leases'],
    ['kube-lease binds a Group (the catalog binds Users only)', FUNCTION, 'CREATE', null, binding({ subjects: [{ kind: 'Group', name: 'payments-team' }] }), 'kube-lease-writes-only-leases'],
    ['kube-lease binds a namespace Role named like a catalog ClusterRole (Role/view)', FUNCTION, 'CREATE', null, binding({ kind: 'Role', role: 'view' }), 'kube-lease-writes-only-leases'],
    ['kube-lease binds a ClusterRole named like a catalog Role (ClusterRole/pod-debugger)', FUNCTION, 'CREATE', null, binding({ kind: 'ClusterRole', role: 'pod-debugger' }), 'kube-lease-writes-only-leases'],
    ['kube-lease creates a lease binding to the catalog\'s Role pod-debugger', FUNCTION, 'CREATE', null, binding({ kind: 'Role', role: 'pod-debugger' }), undefined],
    ['kube-lease rebinds its own binder role', FUNCTION, 'UPDATE', binding({ lease: false, kind: 'Role', role: 'kube-lease-binder', subjects: [{ kind: 'Group', name: 'kube-lease:function' }] }), binding({ lease: false, kind: 'Role', role: 'kube-lease-binder', subjects: [{ kind: 'Group', name: 'kube-lease:function' }, { kind: 'User', name: 'mallory' }] }), 'kube-lease-writes-only-leases'],
    ['a user creates a binding labelled as kube-lease\'s', ALICE, 'CREATE', null, binding(), 'only-kube-lease-writes-managed-bindings'],
    ['a user changes a lease binding', ALICE, 'UPDATE', binding(), binding({ role: 'pod-debugger', kind: 'Role' }), 'only-kube-lease-writes-managed-bindings'],
    ['a user removes the label of a lease binding (to escape the rules)', ALICE, 'UPDATE', binding(), unlabelled(binding()), 'only-kube-lease-writes-managed-bindings'],
    ['an administrator removes the label of a lease binding', ADMIN, 'UPDATE', binding(), unlabelled(binding()), 'only-kube-lease-writes-managed-bindings'],
    ['a user deletes a lease binding (deleting stays possible)', ALICE, 'DELETE', binding(), null, undefined],
    ['Kyverno\'s cleanup controller deletes an expired lease binding', CLEANUP, 'DELETE', binding(), null, undefined],
    ['a user creates an ordinary binding (none of kube-lease\'s business)', ALICE, 'CREATE', null, unlabelled(binding({ role: 'edit' })), undefined],
    ['an administrator binds kube-lease-binder to kube-lease\'s group', ADMIN, 'CREATE', null, binding({ lease: false, kind: 'Role', role: 'kube-lease-binder', subjects: [{ kind: 'Group', name: 'kube-lease:function' }] }), undefined],
    ['anyone binds kube-lease-binder to another identity', ADMIN, 'CREATE', null, binding({ lease: false, kind: 'Role', role: 'kube-lease-binder', subjects: [{ kind: 'User', name: 'mallory' }] }), 'binder-only-for-kube-lease'],
  ])('%s', (_label, userInfo, operation, oldObject, object, deniedBy) => {
    const verdict = evaluate(policy, { operation, kind: { kind: 'RoleBinding' }, userInfo, object: object as Record<string, unknown> | null, oldObject: oldObject as Record<string, unknown> | null }, () => NOW);
    expect(verdict?.rule).toBe(deniedBy);
  });
});

describe('functionRbac (npm run rbac)', () => {
  it('grants only binding management and bind on exactly the catalog roles, only in catalog namespaces; cluster-wide only access reviews', () => {
    const all = functionRbac(parseCatalog(DEMO_CATALOG), 'demo');
    const objects = all.filter((o) => !o.kind.startsWith('Cluster'));
    expect(all.map((o) => `${o.kind}/${o.metadata.namespace ?? '(cluster)'}`)).toEqual([
      'Role/payments',
      'RoleBinding/payments',
      'Role/payments-worker',
      'RoleBinding/payments-worker',
      'ClusterRole/(cluster)',
      'ClusterRoleBinding/(cluster)',
    ]);
    // The one cluster-scoped permission: create SubjectAccessReviews (read-only questions to the authorizer).
    expect(all.find((o) => o.kind === 'ClusterRole')?.rules).toEqual([{ apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] }]);
    expect(all.find((o) => o.kind === 'ClusterRoleBinding')?.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kube-lease:function' }]);
    const payments = objects[0];
    expect(payments?.rules).toEqual([
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create', 'get', 'list', 'update', 'delete'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['view'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['bind'], resourceNames: ['pod-debugger'] },
    ]);
    expect(objects[2]?.rules).toHaveLength(2);
    for (const object of objects) {
      expect(object.kind).not.toMatch(/^Cluster/);
      for (const r of object.rules ?? []) {
        expect(r.verbs).not.toContain('*');
        expect(r.resources).not.toContain('*');
        if (r.verbs.includes('bind')) expect(r.resourceNames?.length).toBeGreaterThan(0);
      }
    }
    expect(objects[1]?.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kube-lease:function' }]);
    for (const object of all) expect(schemaErrors(JSON.parse(JSON.stringify(object)) as Record<string, unknown>)).toBe('valid');
  });

  it('lets kube-lease get pods and evict them (never delete) only in the namespaces of profiles that end sessions at revoke', () => {
    // Prepare: payments-debug (payments) ends sessions; payments-read (payments, payments-worker) does not; checkout only reports them.
    const catalog = parseCatalog(
      DEMO_CATALOG.replace('  demo: {}', '  demo:\n    auditLog: { type: file, path: /var/log/kubernetes/audit.log }').replace(
        '    defaultDuration: 30m\n    maxDuration: 2h\n',
        '    defaultDuration: 30m\n    maxDuration: 2h\n    onRevoke: { sessions: end }\n  - name: checkout-debug\n    cluster: demo\n    namespaces: [checkout]\n    roleRef: { kind: Role, name: pod-debugger }\n    defaultDuration: 30m\n    maxDuration: 2h\n    onRevoke: { sessions: report }\n',
      ),
    );
    expect(catalog.profiles.map((p) => p.onRevoke?.sessions)).toEqual([undefined, 'end', 'report']);
    // Act
    const all = functionRbac(catalog, 'demo');
    // Assess
    const podRules = all.flatMap((o) => (o.rules ?? []).filter((r) => r.resources.some((x) => x.startsWith('pods'))).map((r) => ({ where: `${o.kind}/${o.metadata.namespace ?? '(cluster)'}`, ...r })));
    expect(podRules).toEqual([
      { where: 'Role/payments', apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { where: 'Role/payments', apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
    ]);
    expect(all.map((o) => `${o.kind}/${o.metadata.namespace ?? '(cluster)'}`)).toEqual([
      'Role/checkout',
      'RoleBinding/checkout',
      'Role/payments',
      'RoleBinding/payments',
      'Role/payments-worker',
      'RoleBinding/payments-worker',
      'ClusterRole/(cluster)',
      'ClusterRoleBinding/(cluster)',
    ]);
    for (const object of all) expect(schemaErrors(JSON.parse(JSON.stringify(object)) as Record<string, unknown>)).toBe('valid');
  });

  it('matches deploy/rbac.example.yaml, so the shipped example cannot drift from the catalog', () => {
    const example = parseCatalog(readFileSync('deploy/catalog.example.yaml', 'utf8'));
    const expected = functionRbac(example, 'prod-eu')
      .map((o) => `---\n${stringify(o)}`)
      .join('');
    expect(readFileSync('deploy/rbac.example.yaml', 'utf8')).toBe(`# cluster prod-eu: apply with the kubeconfig of that cluster\n${expected}`);
  });
});
