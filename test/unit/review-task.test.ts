import { describe, expect, it } from '@jest/globals';
import { buildAccessReport } from '../../lib/domain/access-report.js';
import { accessBeganAt } from '../../lib/domain/lease.js';
import { markersChanged, markersIn, needsReview, reviewContent, reviewMarker, unreviewed } from '../../lib/domain/review-task.js';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { EXAMPLE_NOW, EXAMPLE_PERIOD, exampleLeases } from '../support/access-report-example.js';
import { REVIEW_CATALOG } from '../support/review-catalog.js';

const DAY = 86_400_000;

describe('review after the fact (domain)', () => {
  const base = exampleLeases().find((l) => l.ticketKey === 'OPS-1204');
  if (base === undefined) throw new Error('the example has no lease that had access');
  const emergency = { ...base, approvalKind: 'break-glass' as const };
  const began = Date.parse(accessBeganAt(emergency));

  it('tells a marker added, removed or replaced in a labels change from other labels changed (R4-1)', () => {
    const [a, b] = [reviewMarker('b0000000000000000001'), reviewMarker('b0000000000000000002')];
    expect(markersIn([a, 'kube-lease-review', b, 'urgent'])).toEqual([a, b]);
    expect(markersChanged(`${a} kube-lease-review`, `${a} kube-lease-review reviewed`)).toBe(false);
    expect(markersChanged(`kube-lease-review ${a}`, `${a}  kube-lease-review`)).toBe(false);
    expect(markersChanged(`${a} kube-lease-review`, `${a} kube-lease-review ${b}`)).toBe(true);
    expect(markersChanged(`${a} kube-lease-review`, `${b} kube-lease-review`)).toBe(true);
    expect(markersChanged(`${a} kube-lease-review`, 'kube-lease-review')).toBe(true);
    expect(markersChanged(null, a)).toBe(true);
    expect(markersChanged(a, undefined)).toBe(true);
  });

  it('owes a review for on-call and break-glass leases only, never a dry run', () => {
    expect(needsReview(base)).toBe(false);
    expect(needsReview(emergency)).toBe(true);
    expect(needsReview({ ...emergency, approvalKind: 'on-call' })).toBe(true);
    expect(needsReview({ ...emergency, dryRun: true })).toBe(false);
  });

  it('flags an emergency lease unreviewed once its task is not done the given days after access began, and never after it is done', () => {
    expect(unreviewed(emergency, new Date(began + 7 * DAY - 1), 7)).toBe(false);
    expect(unreviewed(emergency, new Date(began + 7 * DAY), 7)).toBe(true);
    expect(unreviewed(emergency, new Date(began + 2 * DAY), 2)).toBe(true);
    const done = { ...emergency, review: { system: 'jira' as const, key: 'SEC-1', id: '1', url: 'u', recordedAt: base.createdAt, doneAt: base.createdAt } };
    expect(unreviewed(done, new Date(began + 30 * DAY), 7)).toBe(false);
    expect(unreviewed(base, new Date(began + 30 * DAY), 7)).toBe(false);
  });

  it('marks the task with the lease id and says who, what, why, when, how and which ticket', () => {
    expect(reviewMarker(emergency.id)).toBe(`kube-lease-review-${emergency.id}`);
    const { summary, description } = reviewContent(emergency, ['bob@example.com']);
    expect(summary).toContain('break-glass');
    for (const part of [emergency.ticketKey, emergency.ticketUrl, emergency.profile, emergency.cluster, emergency.reason, emergency.expiresAt, 'Approved (break-glass)', 'bob@example.com']) expect(description).toContain(part);
  });

  it('shows the flag in the access report (one field), by the given days or 7', () => {
    const leases = exampleLeases().map((l) => (l.id === emergency.id ? emergency : l));
    const row = (days?: number) => buildAccessReport({ leases, denials: [], period: EXAMPLE_PERIOD, now: new Date(EXAMPLE_NOW.getTime() + 6 * DAY), ...(days === undefined ? {} : { unreviewedAfterDays: days }) }).leases.find((r) => r.leaseId === emergency.id);
    expect(row(1)?.unreviewed).toBe(true);
    expect(row(365)?.unreviewed).toBe(false);
    expect(buildAccessReport({ leases, denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW }).leases.filter((r) => r.unreviewed)).toEqual([]);
  });

  it('reads jira.review and unreviewedAfterDays from the catalog, and refuses a project that is no key', () => {
    const catalog = parseCatalog(REVIEW_CATALOG.replace('subject:\n', 'unreviewedAfterDays: 3\nsubject:\n'));
    expect(catalog.jira?.review).toEqual({ project: 'SEC', issueType: 'Task', linkType: 'Relates' });
    expect(catalog.unreviewedAfterDays).toBe(3);
    expect(() => parseCatalog(REVIEW_CATALOG.replace('project: SEC', 'project: sec'))).toThrow(/not a Jira project key/);
  });
});
