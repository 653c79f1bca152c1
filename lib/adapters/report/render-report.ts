import type { AccessReport } from '../../domain/access-report.js';
import { ReportRequestError } from '../../errors.js';
import { renderCsvReport, type CsvTable } from './csv-report.js';
import { renderHtmlReport } from './html-report.js';

/** The formats `kube-lease report` writes; one declaration for the CLI's check and its usage text. */
export const REPORT_FORMATS = ['html', 'csv', 'json'] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Whether `text` names a report format. */
export function isReportFormat(text: string): text is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(text);
}

/**
 * The report in one format: `html` (one self-contained page), `csv` (one table: the leases, or
 * the denials with `csvTable` `denials`) or `json` (the report model itself, {@link AccessReport}).
 *
 * @throws ReportRequestError for an unknown format or CSV table
 */
export function renderReport(report: AccessReport, format: string, csvTable: CsvTable = 'leases'): string {
  if (!isReportFormat(format)) throw new ReportRequestError(`unknown format "${format}": use ${REPORT_FORMATS.join(', ')}`);
  if (format === 'html') return renderHtmlReport(report);
  if (format === 'csv') return renderCsvReport(report, csvTable);
  return `${JSON.stringify(report, null, 2)}\n`;
}
