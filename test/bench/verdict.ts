/** One row of the bench's closing table: the figure, what was measured, its budget and the verdict. */
export type SummaryRow = readonly [figure: string, measured: string, budget: string, verdict: string];

/** The verdict of a figure that has a budget. */
export const verdict = (holds: boolean): string => (holds ? 'holds' : 'does NOT hold');

/** The figures whose budget does not hold. */
export function budgetsMissed(summary: readonly SummaryRow[]): string[] {
  return summary.filter((row) => row[3] === verdict(false)).map((row) => row[0]);
}

/**
 * The bench's exit code and closing line: 1 when a budget does not hold, unless only a report was
 * asked for (`--report-only`), in which case the figures are printed and the run exits 0.
 */
export function benchOutcome(summary: readonly SummaryRow[], reportOnly: boolean): { readonly code: number; readonly line: string } {
  const missed = budgetsMissed(summary);
  if (missed.length === 0) return { code: 0, line: 'every budget holds' };
  const list = `${missed.length} budget(s) do NOT hold: ${missed.join('; ')}`;
  return reportOnly ? { code: 0, line: `${list} (--report-only: exit 0)` } : { code: 1, line: `${list}; exit 1 (--report-only to only report)` };
}
