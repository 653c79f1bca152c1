import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { CSV_TABLES, isCsvTable, type CsvTable } from '../adapters/report/csv-report.js';
import { isReportFormat, renderReport, REPORT_FORMATS, type ReportFormat } from '../adapters/report/render-report.js';
import { buildAccessReport } from '../domain/access-report.js';
import { unreadableLeasesLine } from '../domain/lease-list.js';
import { checkPeriod } from '../domain/report-period.js';
import { describeError, ReportRequestError } from '../errors.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { LeaseHistory } from '../ports/lease-history.js';
import { reportHistoryFromEnv } from './report-history.js';
import { storeHintLine } from './store-hints.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import { checkEvidenceSeals } from '../use-cases/check-evidence.js';

/** The `report` command's synopsis, for the CLI's usage text. */
export const REPORT_SYNOPSIS = `report [--from <date>] [--to <date>] [--format ${REPORT_FORMATS.join('|')} | --json] [--table ${CSV_TABLES.join('|')}] [--out <file>]`;


const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

/** What `runReport` talks to; `env`, `out` and `err` as for the rest of the CLI, the others replaceable. */
export interface ReportIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Where the records come from; by default the table the environment names ({@link reportHistoryFromEnv}). */
  readonly history?: LeaseHistory;
  /** The key evidence seals are verified with; by default the one the environment names (none with `history` given). */
  readonly evidenceMac?: EvidenceMac;
  /** What "now" is: the default end of the period, the end of open leases' bars. */
  readonly clock?: Clock;
  readonly writeFile?: (path: string, text: string) => Promise<void>;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * A period bound from the command line: a day (`2026-11-01`, midnight UTC) or an RFC 3339 time with
 * its offset (`2026-11-01T09:00:00Z`, `2026-11-01T10:00+01:00`). Anything else, including days
 * that do not exist (`2026-02-30`), is a ReportRequestError naming the option.
 */
export function parseReportDate(text: string, option: string): Date {
  const match = DATE.exec(text) ?? DATE_TIME.exec(text);
  const [, y, m, d] = match ?? [];
  const day = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (match === null || day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(m) - 1 || day.getUTCDate() !== Number(d)) {
    throw new ReportRequestError(`${option} ${JSON.stringify(text)} is not a date: use a day such as 2026-11-01 or a time such as 2026-11-01T09:00:00Z`);
  }
  return DATE.test(text) ? day : new Date(text);
}

/**
 * The format to write: `--format` (or `--json`), else the extension of `--out`, else HTML on stdout.
 * A file name whose extension is no format is refused unless `--format` says what to write, and
 * one whose extension is another format than `--format` is refused: nothing is written under a
 * name that says something else.
 */
function formatOf(format: string | undefined, out: string | undefined): ReportFormat {
  if (format !== undefined && !isReportFormat(format)) throw new ReportRequestError(`--format ${JSON.stringify(format)} is not one of ${REPORT_FORMATS.join(', ')}`);
  if (out === undefined) return format ?? 'html';
  const name = basename(out);
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
  if (extension !== undefined && isReportFormat(extension)) {
    if (format !== undefined && format !== extension) throw new ReportRequestError(`--out ${out} says ${extension} but --format (or --json) says ${format}: make them agree`);
    return extension;
  }
  if (format !== undefined) return format;
  const what = extension === undefined ? 'has no extension' : `ends in .${extension}, which is no report format`;
  throw new ReportRequestError(`--out ${out} ${what}: name it .${REPORT_FORMATS.join(', .')}, or give --format`);
}

interface ReportRequest {
  readonly from: Date;
  readonly to: Date;
  readonly format: ReportFormat;
  readonly out: string | undefined;
  readonly table: CsvTable;
}

function parseRequest(args: readonly string[], now: Date): ReportRequest {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, table: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ReportRequestError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const to = values.to === undefined ? now : parseReportDate(values.to, '--to');
  const from = values.from === undefined ? new Date(to.getTime() - DEFAULT_DAYS * DAY_MS) : parseReportDate(values.from, '--from');
  if (values.out !== undefined && values.out.trim() === '') throw new ReportRequestError('--out needs a file name');
  checkPeriod({ from, to });
  // --json, as on every other command: the same as --format json.
  if (values.json === true && values.format !== undefined && values.format !== 'json') throw new ReportRequestError('--json and --format ' + values.format + ' exclude each other');
  const format = formatOf(values.json === true ? 'json' : values.format, values.out);
  // HTML and JSON hold every table; a CSV file holds one.
  const table = values.table ?? 'leases';
  if (!isCsvTable(table)) throw new ReportRequestError(`--table ${JSON.stringify(table)} is not one of ${CSV_TABLES.join(', ')}`);
  if (values.table !== undefined && format !== 'csv') throw new ReportRequestError(`--table chooses the table of a CSV file; ${format} holds them all`);
  return { from, to, format, out: values.out, table };
}

/**
 * `kube-lease report`: reads the leases and denials of a period, builds the access report and
 * writes it as HTML, CSV or JSON, to `--out` or to standard output. Returns the exit code: 0 done,
 * 1 failed (the table could not be read, the file could not be written) or incomplete (a lease
 * item could not be read: the report is written, names it, and still exits 1),
 * 2 wrong arguments.
 *
 * @example
 * await runReport(['--from', '2026-11-01', '--to', '2026-12-01', '--out', 'november.html'], { env: process.env, out, err });
 */
export async function runReport(args: readonly string[], io: ReportIo): Promise<number> {
  const now = (io.clock ?? systemClock).now();
  let request: ReportRequest;
  try {
    request = parseRequest(args, now);
  } catch (error) {
    if (!(error instanceof ReportRequestError)) throw error;
    io.err(`kube-lease report: ${error.message}\nusage: kube-lease ${REPORT_SYNOPSIS}\n  dates: a day (2026-11-01, midnight UTC) or an RFC 3339 time; the period includes --from and excludes --to\n`);
    return 2;
  }
  let source: ReturnType<typeof reportHistoryFromEnv> | undefined;
  try {
    let history = io.history;
    let mac = io.evidenceMac;
    if (history === undefined) {
      source = reportHistoryFromEnv(io.env);
      history = source.history;
      mac ??= source.evidenceMac;
    }
    const period = { from: request.from, to: request.to };
    const [{ leases, unreadable }, denials] = await Promise.all([history.leasesBetween(period), history.denialsBetween(period)]);
    // Evidence is said to be intact only after its MAC is verified with the evidence key.
    const sealChecks = await checkEvidenceSeals(leases, mac);
    const report = buildAccessReport({ leases, denials, period, now, sealChecks, unreadable });
    const text = renderReport(report, request.format, request.table);
    // A report that could not read every lease item is written (the rest is true) and says so, but exits 1: it is not complete.
    const complete = (): number => (unreadable.length === 0 ? 0 : (io.err(`kube-lease report: incomplete. ${unreadableLeasesLine(unreadable)}`), 1));
    if (request.out === undefined) {
      io.out(text);
      return complete();
    }
    await (io.writeFile ?? ((path, data) => writeFile(path, data, 'utf8')))(request.out, text);
    const s = report.summary;
    io.err(`wrote ${request.out} (${request.format}): ${s.leases} lease(s), ${s.denials} denial(s), ${s.lateRevocations} late revocation(s), ${report.period.from} to ${report.period.to}\n`);
    return complete();
  } catch (error) {
    io.err(`kube-lease report: ${describeError(error)}\n${io.history === undefined ? storeHintLine(error, io.env) : ''}`);
    return 1;
  } finally {
    source?.close();
  }
}
