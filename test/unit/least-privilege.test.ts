import { describe, expect, it } from '@jest/globals';
import type { ActivitySummary, RequestCount } from '../../lib/domain/activity.js';
import type { Profile } from '../../lib/domain/catalog.js';
import type { SealCheck } from '../../lib/domain/evidence-digest.js';
import { learnLeastPrivilege, type RoleRules } from '../../lib/domain/least-privilege.js';
import type { Lease } from '../../lib/domain/lease.js';
import { leaseUse } from '../../lib/domain/lease-use.js';
import { buildReviewPack } from '../../lib/domain/review-pack.js';
import { parseReviewPeriod, previousPeriod } from '../../lib/domain/review-period.js';
import { ReportRequestError } from '../../lib/errors.js';
import { leaseFixture } from '../support/lease-fixture.js';

const profile = (name: string, role: string): Profile => ({ name, cluster: 'demo', namespaces: ['payments'], roleRef: { kind: 'Role', name: role }, defaultDuration: 3600, maxDuration: 14_400 });
const PROFILES = [profile('payments-debug', 'payments-debug'), profile('payments-read', 'payments-read'), profile('ledger-admin', 'ledger-admin')];
const ROLES: RoleRules = new Map([
  ['Role/payments-debug', [
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
  ]],
  ['Role/payments-read', [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get'] }]],
]);

const row = (verb: string, resource: string, count = 1): RequestCount => ({ verb, resource, namespace: 'payments', count });
const summary = (rows: RequestCount[], extra: Partial<ActivitySummary> = {}): ActivitySummary => ({ requests: rows.reduce((n, r) => n + r.count, 0), byRequest: rows, sessions: [], secretsRead: [], denied: [], omitted: 0, ...extra });

/** A lease of `profile`, approved 4 h from 10:00 on `day`, with the evidence given (none: not collected). */
function lease(id: string, profileName: string, day: number, evidence?: ActivitySummary | { error: string }): Lease {
  const start = `2026-11-${String(day).padStart(2, '0')}T10:00:00.000Z`;
  const base = { ...leaseFixture(id, `2026-11-${String(day).padStart(2, '0')}T14:00:00.000Z`, 'REVOKED'), profile: profileName, createdAt: start, startsAt: start, revokedAt: `2026-11-${String(day).padStart(2, '0')}T14:00:05.000Z` };
  if (evidence === undefined) return base;
  const window = { collectedAt: base.revokedAt, from: start, to: base.revokedAt, events: 10 };
  return { ...base, evidence: 'error' in evidence ? { ...window, events: 0, error: evidence.error } : { ...window, summary: evidence } };
}

/** The known history: 41 payments-debug leases that never delete pods, one whose rows were cut, read leases never used, no ledger-admin lease. */
function history(): Lease[] {
  const debug = Array.from({ length: 41 }, (_, i) =>
    lease(`d${String(i).padStart(2, '0')}`, 'payments-debug', 1 + (i % 28), summary([row('get', 'pods', 3), ...(i % 2 === 0 ? [row('create', 'pods/exec')] : []), row('get', 'deployments.apps')], { firstAt: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:05:00.000Z`, lastAt: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:35:00.000Z` })),
  );
  return [
    ...debug,
    // Rows cut at the summary's limit: it shows `list pods` used, and cannot show anything unused.
    lease('dcut', 'payments-debug', 5, summary([row('list', 'pods', 30)], { omitted: 4 })),
    lease('dnone', 'payments-debug', 6),
    lease('r1', 'payments-read', 3, summary([])),
    lease('r2', 'payments-read', 4, summary([], { denied: [row('delete', 'pods')] })),
    lease('r3', 'payments-read', 5, { error: 'the cluster\'s audit log could not be read' }),
  ];
}

const usesOf = (leases: readonly Lease[], seals: ReadonlyMap<string, SealCheck> = new Map()) => new Map(leases.map((l) => [l.id, leaseUse(l, seals.get(l.id))]));

describe('learnLeastPrivilege', () => {
  const leases = history();
  const result = learnLeastPrivilege(PROFILES, leases, usesOf(leases), ROLES);
  const byProfile = new Map(result.profiles.map((p) => [p.profile, p]));

  it.each([
    ['payments-debug', { leases: 43, used: 42, unused: 0, notKnown: 1, judged: 41, timed: 41 }],
    ['payments-read', { leases: 3, used: 0, unused: 2, notKnown: 1, judged: 2, timed: 0 }],
    ['ledger-admin', { leases: 0, used: 0, unused: 0, notKnown: 0, judged: 0, timed: 0 }],
  ])('counts the leases of %s by their use per the evidence', (name, expected) => {
    expect(byProfile.get(name)).toMatchObject(expected);
  });

  it.each([
    ['get pods', 41],
    ['list pods', 1],
    ['delete pods', 0],
    ['create pods/exec', 21],
    ['get deployments.apps', 41],
  ])('payments-debug: %s used in %i leases', (grant, count) => {
    const g = byProfile.get('payments-debug')?.grants?.find((x) => `${x.verb} ${x.resource}${x.group === '' ? '' : `.${x.group}`}` === grant);
    expect(g?.usedIn).toBe(count);
  });

  it('suggests concrete catalog changes, each computed from the history', () => {
    expect(result.suggestions.map((s) => [s.profile, s.kind])).toEqual([
      ['payments-debug', 'unused-grant'],
      ['payments-debug', 'shorter-duration'],
      ['payments-read', 'unused-profile'],
      ['payments-read', 'unused-grant'],
      ['payments-read', 'unused-grant'],
      ['ledger-admin', 'no-leases'],
    ]);
    expect(result.suggestions[0]?.text).toBe('payments-debug: `delete pods` unused in 41 leases (of 42 with evidence; the others list only part of their requests): remove it from Role/payments-debug');
    expect(result.suggestions[1]?.text).toBe('payments-debug: used 30 min per lease (first to last request) of 4.0 h approved, over 41 leases: lower defaultDuration');
    expect(result.suggestions[2]?.text).toContain('no request through any of its 2 leases with evidence (1 more without evidence)');
  });

  it('never calls a grant unused without evidence that lists every request', () => {
    // Only the leases without evidence, or with rows cut, remain.
    const partial = history().filter((l) => l.id === 'dcut' || l.id === 'dnone');
    const out = learnLeastPrivilege(PROFILES.slice(0, 1), partial, usesOf(partial), ROLES);
    expect(out.suggestions).toEqual([]);
    expect(out.profiles[0]).toMatchObject({ used: 1, notKnown: 1, judged: 0 });
  });

  it('takes evidence whose seal does not verify as not known, never as unused', () => {
    const [r1] = history().filter((l) => l.id === 'r1');
    if (r1 === undefined) throw new Error('history without r1');
    expect(leaseUse(r1, undefined).use).toBe('unused');
    expect(leaseUse(r1, { kind: 'invalid' })).toMatchObject({ use: 'not known' });
    expect(leaseUse({ ...r1, evidence: undefined }, undefined)).toMatchObject({ use: 'not known' });
  });

  it('computes no unused grants without the role rules, and says so in the pack', () => {
    const pack = buildReviewPack({ period: parseReviewPeriod('2026-11'), leases, denials: [], seals: new Map(), profiles: PROFILES, roles: undefined, orphans: undefined });
    expect(pack.leastPrivilege.suggestions.some((s) => s.kind === 'unused-grant')).toBe(false);
    expect(pack.notes.join('\n')).toContain('no role rules were given');
    expect(pack.byPerson).toEqual([expect.objectContaining({ name: 'alice@example.com', leases: 46, used: 42, unused: 2, notKnown: 2 })]);
  });
});

describe('parseReviewPeriod', () => {
  it.each([
    ['2026-Q4', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-Q1', '2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
    ['2026-H2', '2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-11', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ])('reads %s as [%s, %s)', (text, from, to) => {
    const p = parseReviewPeriod(text);
    expect([p.label, p.from.toISOString(), p.to.toISOString()]).toEqual([text, from, to]);
  });

  it.each(['2026-Q5', '2026-H3', '2026-13', '2026-00', '26-Q4', '2026-q4', ''])('refuses %j', (text) => {
    expect(() => parseReviewPeriod(text)).toThrow(ReportRequestError);
  });

  it.each([
    ['quarter', '2027-01-01T00:05:00.000Z', '2026-Q4'],
    ['quarter', '2026-12-31T23:59:59.000Z', '2026-Q3'],
    ['half', '2027-02-10T00:00:00.000Z', '2026-H2'],
    ['month', '2026-01-15T00:00:00.000Z', '2025-12'],
  ] as const)('the previous %s before %s is %s', (kind, now, label) => {
    expect(previousPeriod(kind, new Date(now)).label).toBe(label);
  });
});

describe('the pack files', () => {
  it('escape ticket text in the HTML and neutralise formulas in the CSV', async () => {
    const { renderPackHtml } = await import('../../lib/adapters/review/pack-html.js');
    const { renderPackCsv } = await import('../../lib/adapters/review/pack-csv.js');
    const denial = { leaseId: 'x', idempotencyKey: 'k', source: 'jira' as const, ticketKey: 'OPS-<b>7', code: 'self-approval', reason: '<script>alert(1)</script>', at: '2026-11-12T09:00:00.000Z', by: '=HYPERLINK("http://evil")' };
    const pack = buildReviewPack({ period: parseReviewPeriod('2026-11'), leases: [], denials: [denial], seals: new Map(), profiles: PROFILES, roles: ROLES, orphans: [] });
    const html = renderPackHtml(pack);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(renderPackCsv(pack)).toContain(`denial,"'=HYPERLINK(""http://evil"")",OPS-<b>7`);
  });
});

describe('pack inputs', () => {
  it('reads orphan removals of the period from audit event lines, skipping everything else', async () => {
    const { orphansFromAuditLines } = await import('../../lib/adapters/review/pack-inputs.js');
    const revoke = (at: string, reason: string) => JSON.stringify({ audit: true, kind: 'revoke', at, actor: 'sweep', leaseId: '0123456789abcdef0123', cluster: 'prod', namespaces: ['payments'], cause: 'sweep', reason });
    const text = [
      `2026-11-05T10:00:00.000Z\tINFO\t${revoke('2026-11-05T10:00:00.000Z', 'orphan binding kl-x: no lease record')}`,
      revoke('2026-11-06T10:00:00.000Z', 'expired'),
      revoke('2026-12-01T00:00:00.000Z', 'orphan binding kl-y: lease is REVOKED'),
      'START RequestId: 1 Version: $LATEST',
      '{"not": "an audit event"',
    ].join('\n');
    expect(orphansFromAuditLines(text, parseReviewPeriod('2026-11'))).toEqual([{ at: '2026-11-05T10:00:00.000Z', leaseId: '0123456789abcdef0123', cluster: 'prod', namespaces: ['payments'], reason: 'orphan binding kl-x: no lease record' }]);
  });

  it('reads role rules from a List or from documents, merging one role of several namespaces', async () => {
    const { parseRoleRules } = await import('../../lib/adapters/review/pack-inputs.js');
    const text = `kind: Role
metadata: { name: debug, namespace: a }
rules: [{ apiGroups: [""], resources: [pods], verbs: [get] }]
---
kind: List
items:
  - kind: Role
    metadata: { name: debug, namespace: b }
    rules: [{ apiGroups: [""], resources: [pods/log], verbs: [get] }]
  - kind: ClusterRole
    metadata: { name: view }
    rules: [{ nonResourceURLs: [/healthz], verbs: [get] }]
  - kind: ConfigMap
    metadata: { name: other }
`;
    const rules = parseRoleRules(text, 'roles.yaml');
    expect(rules.get('Role/debug')?.map((r) => r.resources)).toEqual([['pods'], ['pods/log']]);
    expect(rules.get('ClusterRole/view')).toEqual([]);
    expect(() => parseRoleRules('kind: Role\nmetadata: {}\n', 'bad.yaml')).toThrow(ReportRequestError);
  });
});
