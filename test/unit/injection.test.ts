import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { bindingManifest } from '../../lib/domain/lease.js';
import { newLease } from '../../lib/domain/lease-factory.js';
import { LABEL_KYVERNO_TTL, LABEL_LEASE_ID, LABEL_MANAGED_BY, LABEL_SOURCE } from '../../lib/domain/names.js';
import { decide } from '../../lib/domain/policy.js';
import type { TicketSnapshot } from '../../lib/domain/ticket.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes label values: at most 63 characters, alphanumerics with -_. inside. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const catalog = parseCatalog(DEMO_CATALOG);
const NOW = new Date('2026-06-01T12:00:00.000Z');
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom('../../x', 'a\nb', 'a"b\'c', 'x'.repeat(300), '", "kind": "Group", "name": "system:masters', 'ünïcødé@例え.jp', '\u202e'),
);

describe('names, labels and annotations from hostile ticket data', () => {
  it('keep binding names DNS-1123, label values valid, and exactly our labels, annotations and one subject', () => {
    let cases = 0;
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, hostile, (key, email, name, justification, approvalId) => {
        cases += 1;
        const ticket: TicketSnapshot = {
          source: 'jira',
          id: '10001',
          key,
          url: `https://example.atlassian.net/browse/${key}`,
          state: 'approved',
          statusText: 'Approved',
          justification: justification.trim() === '' ? 'x' : justification,
          requester: { id: name || 'id', email, displayName: name },
          approval: { id: approvalId, approvers: [{ id: 'approver', email: 'approver@example.com', activeHuman: true }], at: '' },
          approvalIntegrity: { kind: 'intact' },
          requestedProfile: 'payments-read',
          requestedDuration: '1h',
          requestedNamespaces: undefined,
        };
        const decision = decide(ticket, catalog, NOW);
        if (decision.kind === 'deny') {
          // A hostile email the subject template cannot use is refused, never passed on.
          expect(decision.code).toBe('no-subject');
          return;
        }
        const lease = newLease(decision.plan, NOW, 'kube-lease-test', 'test');
        for (const binding of lease.bindings) {
          const manifest = bindingManifest(lease, binding);
          expect(manifest.metadata.name).toMatch(DNS_LABEL);
          expect(manifest.metadata.name.length).toBeLessThanOrEqual(63);
          expect(Object.keys(manifest.metadata.labels).sort()).toEqual([LABEL_MANAGED_BY, LABEL_LEASE_ID, LABEL_SOURCE, LABEL_KYVERNO_TTL].sort());
          for (const value of Object.values(manifest.metadata.labels)) {
            expect(value).toMatch(LABEL_VALUE);
            expect(value.length).toBeLessThanOrEqual(63);
          }
          expect(Object.keys(manifest.metadata.annotations)).toHaveLength(6);
          for (const value of Object.values(manifest.metadata.annotations)) expect(value.length).toBeLessThanOrEqual(1024);
          expect(manifest.subjects).toHaveLength(1);
          expect(manifest.subjects[0]?.kind).toBe('User');
          // eslint-disable-next-line no-control-regex
          expect(manifest.subjects[0]?.name).not.toMatch(/[\u0000-\u001f]/);
          expect(manifest.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
        }
      }),
      { numRuns: 2000 },
    );
    process.stdout.write(`fuzz: name/label injection ran ${cases} cases\n`);
  });
});
