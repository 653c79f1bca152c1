import { describe, expect, it } from '@jest/globals';
import { markersChanged, markersIn, reviewMarker } from '../../lib/domain/review-task.js';

/*
 * Review 6 (issue 23, item 2): markersIn in any case. What held, and R6-3 (Low, fixed): a label that
 * only starts with the marker prefix (a reviewer's "Kube-Lease-Review-Done") is no marker: only a lease id is.
 */
const A = 'aaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbb';

describe('review 6: review markers in any case', () => {
  it('held: the lease\'s own marker in another case is one marker, and not a change of it', () => {
    expect(markersIn([reviewMarker(A), 'KUBE-LEASE-REVIEW-' + A.toUpperCase(), 'kube-lease-review', 'KUBE-LEASE-REVIEW'])).toEqual([reviewMarker(A)]);
    expect(markersChanged(`kube-lease-review ${reviewMarker(A)}`, `kube-lease-review ${reviewMarker(A)} Kube-Lease-Review-${A}`)).toBe(false);
  });

  it('held: another lease\'s marker in capitals is a second marker, and a change', () => {
    expect(markersIn([reviewMarker(A), `KUBE-LEASE-REVIEW-${B.toUpperCase()}`])).toHaveLength(2);
    expect(markersChanged(reviewMarker(B), `KUBE-LEASE-REVIEW-${A}`)).toBe(true);
    // The Kelvin sign lowercases to "k": counted as a marker (the refusing direction only).
    expect(markersIn([reviewMarker(A), `\u212Aube-lease-review-${B}`])).toHaveLength(2);
  });

  it('R6-3: a label that is no lease id but starts with the prefix (in any case) is no marker', () => {
    expect(markersIn([reviewMarker(A), 'Kube-Lease-Review-Done'])).toHaveLength(1);
    expect(markersChanged(reviewMarker(A), `${reviewMarker(A)} Kube-Lease-Review-Done`)).toBe(false);
  });
});
