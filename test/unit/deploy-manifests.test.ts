import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments, stringify } from 'yaml';
import * as z from 'zod';
import { ALWAYS_FORBIDDEN_ROLES, parseCatalog } from '../../lib/catalog.js';
import { ANNOTATION_EXPIRES_AT, LABEL_KYVERNO_TTL, LABEL_MANAGED_BY, MANAGED_BY } from '../../lib/domain/names.js';
import { DEFAULT_FUNCTION_GROUP, functionRbac } from '../../lib/rbac.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

/** The shape the Kyverno ClusterPolicy CRD (kyverno.io/v1) requires of what we ship; no Kyverno binary runs here. */
const resourceFilter = z.object({
  resources: z.object({
    kinds: z.array(z.string()).min(1),
    operations: z.array(z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT'])).optional(),
    selector: z.object({ matchLabels: z.record(z.string(), z.string()) }).optional(),
  }).optional(),
  subjects: z.array(z.object({ kind: z.enum(['User', 'Group', 'ServiceAccount']), name: z.string() })).optional(),
});
const matchBlock = z.union([z.object({ any: z.array(resourceFilter).min(1) }), z.object({ all: z.array(resourceFilter).min(1) })]);
const condition = z.object({ key: z.unknown(), operator: z.string(), value: z.unknown() });
const rule = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]{1,63}$/),
  match: matchBlock,
  exclude: matchBlock.optional(),
  validate: z.strictObject({
    message: z.string().min(1),
    pattern: z.record(z.string(), z.unknown()).optional(),
    deny: z.object({ conditions: z.object({ any: z.array(condition).optional(), all: z.array(condition).optional() }).optional() }).optional(),
  }).refine((v) => (v.pattern === undefined) !== (v.deny === undefined), 'exactly one of pattern and deny'),
});
const clusterPolicy = z.strictObject({
  apiVersion: z.literal('kyverno.io/v1'),
  kind: z.literal('ClusterPolicy'),
  metadata: z.object({ name: z.string().regex(/^[a-z0-9-]+$/), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.strictObject({ validationFailureAction: z.enum(['Enforce', 'Audit']), background: z.boolean(), rules: z.array(rule).min(1) }),
});

describe('deploy/kyverno-policies.yaml', () => {
  const text = readFileSync('deploy/kyverno-policies.yaml', 'utf8');
  const docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);

  it('holds ClusterPolicies of the CRD shape, enforcing', () => {
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      const parsed = clusterPolicy.safeParse(doc);
      expect(parsed.success ? 'valid' : JSON.stringify(parsed.error.issues)).toBe('valid');
      expect(parsed.success && parsed.data.spec.validationFailureAction).toBe('Enforce');
    }
  });

  it('uses the label, annotation, TTL label, group and forbidden roles the code uses', () => {
    expect(text).toContain(`${LABEL_MANAGED_BY}: ${MANAGED_BY}`);
    expect(text).toContain(`${ANNOTATION_EXPIRES_AT}: "?*"`);
    expect(text).toContain(`${LABEL_KYVERNO_TTL}: "?*"`);
    expect(text).toContain(`name: ${DEFAULT_FUNCTION_GROUP}`);
    for (const role of ALWAYS_FORBIDDEN_ROLES) expect(text).toMatch(new RegExp(`value: \\[[^\\]]*${role}`));
    const example = parseCatalog(readFileSync('deploy/catalog.example.yaml', 'utf8'));
    for (const role of example.forbiddenRoles) expect(text).toMatch(new RegExp(`value: \\[[^\\]]*\\b${role}\\b`));
  });
});

describe('functionRbac (npm run rbac)', () => {
  it('grants only binding management and bind on exactly the catalog roles, only in catalog namespaces', () => {
    const objects = functionRbac(parseCatalog(DEMO_CATALOG), 'demo');
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}`)).toEqual(['Role/payments', 'RoleBinding/payments', 'Role/payments-worker', 'RoleBinding/payments-worker']);
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
  });

  it('matches deploy/rbac.example.yaml, so the shipped example cannot drift from the catalog', () => {
    const example = parseCatalog(readFileSync('deploy/catalog.example.yaml', 'utf8'));
    const expected = functionRbac(example, 'prod-eu')
      .map((o) => `---\n${stringify(o)}`)
      .join('');
    expect(readFileSync('deploy/rbac.example.yaml', 'utf8')).toBe(`# cluster prod-eu: apply with the kubeconfig of that cluster\n${expected}`);
  });
});
