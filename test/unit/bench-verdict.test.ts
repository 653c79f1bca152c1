import { describe, expect, it } from '@jest/globals';
import { benchOutcome, verdict, type SummaryRow } from '../bench/verdict.js';

const row = (figure: string, holds: boolean | undefined): SummaryRow => [figure, '1 ms', holds === undefined ? '' : '≤ 2 ms', holds === undefined ? '' : verdict(holds)];

describe('benchOutcome (npm run bench)', () => {
  it('exits 0 when every budget holds, whatever the figures without a budget', () => {
    // Act
    const outcome = benchOutcome([row('lag', true), row('throughput', undefined)], false);
    // Assess
    expect(outcome).toEqual({ code: 0, line: 'every budget holds' });
  });

  it('exits 1 and names each figure whose budget does not hold', () => {
    // Act
    const outcome = benchOutcome([row('lag', false), row('bundle size', true), row('cold init', false)], false);
    // Assess
    expect(outcome.code).toBe(1);
    expect(outcome.line).toBe('2 budget(s) do NOT hold: lag; cold init; exit 1 (--report-only to only report)');
  });

  it('exits 0 with --report-only, still saying which budgets do not hold', () => {
    // Act
    const outcome = benchOutcome([row('lag', false)], true);
    // Assess
    expect(outcome).toEqual({ code: 0, line: '1 budget(s) do NOT hold: lag (--report-only: exit 0)' });
  });
});
