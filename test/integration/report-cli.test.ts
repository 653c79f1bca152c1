import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { runCli } from '../../lib/cli/operator.js';
import { parseReportDate, runReport } from '../../lib/cli/report-command.js';
import type { AccessReport } from '../../lib/domain/access-report.js';
import type { ReportPeriod } from '../../lib/domain/report-period.js';
import { ReportRequestError } from '../../lib/errors.js';
import type { LeaseHistory } from '../../lib/ports/lease-history.js';
import { EXAMPLE_NOW, exampleDenials, exampleLeases } from '../support/access-report-example.js';
import { seedLeaseTable } from '../support/seed-lease-table.js';

const WEEK = ['--from', '2026-11-02', '--to', '2026-11-09'];

describe('kube-lease report', () => {
  let dynamo: EmbeddedDynamoDb;
  let dir: string;
  let out: string[];
  let err: string[];
  const io = (env: NodeJS.ProcessEnv) => ({ env, out: (t: string) => out.push(t), err: (t: string) => err.push(t) });
  const tableEnv = (): NodeJS.ProcessEnv => ({ DYNAMODB_ENDPOINT: dynamo.endpoint, LEASES_TABLE: 'leases' });

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamoDb(undefined);
    await seedLeaseTable(dynamo.client, 'leases', exampleLeases(), exampleDenials());
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-report-'));
  });
  afterAll(async () => {
    dynamo.client.destroy();
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = [];
    err = [];
  });

  it('reads the table the environment names, with no catalog or ticket settings, and prints the JSON report', async () => {
    // Act
    const code = await runCli(['report', ...WEEK, '--format', 'json'], io(tableEnv()));
    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(out.join('')) as AccessReport;
    // (Late revocations depend on the real clock here: the example's open lease is overdue after 8 November 2026.)
    expect(report.summary).toMatchObject({ leases: 12, grants: 8, denials: 4 });
    expect(err).toEqual([]);
  });

  it('takes --json as every command does: the JSON report', async () => {
    // Act
    const code = await runCli(['report', ...WEEK, '--json'], io(tableEnv()));
    // Assess
    expect(code).toBe(0);
    expect((JSON.parse(out.join('')) as AccessReport).summary).toMatchObject({ leases: 12 });
  });

  it('writes --out, taking the format from its extension, and says what it wrote', async () => {
    // Prepare
    const file = join(dir, 'week.csv');
    // Act
    const code = await runCli(['report', ...WEEK, '--out', file], io(tableEnv()));
    // Assess
    expect(code).toBe(0);
    expect((await readFile(file, 'utf8')).split('\r\n')[0]).toMatch(/^lease_id,source,ticket,/);
    expect(err.join('')).toMatch(/^wrote .*week\.csv \(csv\): 12 lease\(s\), 4 denial\(s\), \d+ late revocation\(s\), 2026-11-02T00:00:00.000Z to 2026-11-09T00:00:00.000Z\n$/);
    expect(out).toEqual([]);
  });

  it('writes the denials, with the people read from the table, as CSV with --table denials', async () => {
    // Prepare
    const file = join(dir, 'denials.csv');
    // Act
    const code = await runCli(['report', ...WEEK, '--table', 'denials', '--out', file], io(tableEnv()));
    // Assess
    expect(code).toBe(0);
    const lines = (await readFile(file, 'utf8')).split('\r\n');
    expect(lines[0]).toBe('decided_at,source,ticket,code,reason,requester,approvers,approval_kind');
    expect(lines.slice(1, -1).map((l) => l.split(',').slice(2, 3).concat(l.split(',').slice(-3)))).toEqual([
      ['OPS-1203', 'dave@example.com', 'dave@example.com', 'person'],
      ['OPS-1207', 'alice@example.com', 'bob@example.com', 'person'],
      ['OPS-1215', 'carol@example.com', 'lead@example.com', 'person'],
      ['OPS-1228', 'not recorded', 'not recorded', 'not recorded'],
    ]);
  });

  it('writes a file with another extension when --format says what to write', async () => {
    // Prepare
    const file = join(dir, 'week.txt');
    // Act
    const code = await runCli(['report', ...WEEK, '--format', 'csv', '--out', file], io(tableEnv()));
    // Assess
    expect(code).toBe(0);
    expect((await readFile(file, 'utf8')).split('\r\n')[0]).toMatch(/^lease_id,source,ticket,/);
  });

  it('covers the 30 days up to now by default', async () => {
    // Prepare
    const asked: ReportPeriod[] = [];
    const history: LeaseHistory = {
      leasesBetween: async (period) => (asked.push(period), { leases: [], unreadable: [] }),
      denialsBetween: async () => [],
    };
    // Act
    const code = await runReport(['--format', 'json'], { ...io({}), history, clock: { now: () => EXAMPLE_NOW } });
    // Assess
    expect(code).toBe(0);
    expect(asked).toEqual([{ from: new Date('2026-10-09T15:00:00.000Z'), to: EXAMPLE_NOW }]);
    expect((JSON.parse(out.join('')) as AccessReport).period).toEqual({ from: '2026-10-09T15:00:00.000Z', to: '2026-11-08T15:00:00.000Z' });
  });

  it.each([
    [['--from', '2026-11-31'], /--from "2026-11-31" is not a date/],
    [['--to', 'last tuesday'], /--to "last tuesday" is not a date/],
    [['--from', '2026-11-09', '--to', '2026-11-02'], /the period is empty: from \(2026-11-09T00:00:00.000Z\) must be before to/],
    [['--from', '2026-11-02', '--to', '2026-11-02'], /the period is empty/],
    [['--format', 'pdf'], /--format "pdf" is not one of html, csv, json/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['november'], /Unexpected argument 'november'/],
    [['--out', ' '], /--out needs a file name/],
    [['--out', 'r.xlsx'], /--out r.xlsx ends in .xlsx, which is no report format: name it .html, .csv, .json, or give --format/],
    [['--out', 'report'], /--out report has no extension/],
    [['--format', 'csv', '--out', 'r.html'], /--out r.html says html but --format \(or --json\) says csv: make them agree/],
    [['--json', '--out', 'r.csv'], /make them agree/],
    [['--table', 'summary', '--format', 'csv'], /--table "summary" is not one of leases, denials/],
    [['--table', 'denials', '--format', 'html'], /--table chooses the table of a CSV file; html holds them all/],
    [['--table', 'denials', '--json'], /--table chooses the table of a CSV file; json holds them all/],
  ])('exits 2 with the report usage on bad arguments: %j', async (args, message) => {
    // Act
    const code = await runCli(['report', ...args], io(tableEnv()));
    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toMatch(message);
    expect(err.join('')).toContain('usage: kube-lease report [--from <date>] [--to <date>] [--format html|csv|json | --json] [--table leases|denials] [--out <file>]');
  });

  it.each([
    ['the table is missing', { LEASES_TABLE: 'no-such-table' }, /kube-lease report: LeaseStoreError: DynamoDB Scan failed.*\n {2}no table "no-such-table" \(LEASES_TABLE\) at DYNAMODB_ENDPOINT http:\/\/127\.0\.0\.1:\d+\. Set LEASES_TABLE/],
    ['the endpoint is not a URL', { DYNAMODB_ENDPOINT: 'localhost:8000' }, /ConfigError: invalid environment:\n {2}DYNAMODB_ENDPOINT/],
  ])('exits 1 with the reason when %s', async (_what, env, message) => {
    // Act
    const code = await runCli(['report', ...WEEK], io({ ...tableEnv(), ...env }));
    // Assess
    expect(code).toBe(1);
    expect(err.join('')).toMatch(message);
  });

  it('exits 1 when the file cannot be written', async () => {
    // Act
    const code = await runCli(['report', ...WEEK, '--out', join(dir, 'missing-folder', 'r.html')], io(tableEnv()));
    // Assess
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/ENOENT/);
  });

  it('is in the usage', async () => {
    // Act
    await runCli(['--help'], io({}));
    // Assess
    expect(out.join('')).toContain('report [--from <date>] [--to <date>] [--format html|csv|json | --json] [--table leases|denials] [--out <file>]');
  });

  it('runs as `npx kube-lease report --format html` (the bin, through tsx)', async () => {
    // Act
    const { stdout } = await promisify(execFile)(process.execPath, ['lib/cli/kube-lease.mjs', 'report', '--format', 'html', ...WEEK], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...tableEnv() },
      maxBuffer: 10 * 1024 * 1024,
    });
    // Assess
    expect(stdout.startsWith('<!doctype html>')).toBe(true);
    expect(stdout.match(/<tr data-lease-id=/g)).toHaveLength(12);
  });
});

describe('parseReportDate', () => {
  it('reads a day as midnight UTC and an RFC 3339 time with its offset', () => {
    // Act / Assess
    expect(parseReportDate('2026-11-01', '--from').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseReportDate('2026-11-01T10:30+01:00', '--from').toISOString()).toBe('2026-11-01T09:30:00.000Z');
    expect(parseReportDate('2026-11-01T09:00:00.250Z', '--to').toISOString()).toBe('2026-11-01T09:00:00.250Z');
  });

  it.each(['2026-02-29', '2026-13-01', '2026-11-01T24:00Z', '2026-11-01T09:00', '1 Nov 2026', '1730419200', ''])('refuses %j', (text) => {
    // Act / Assess
    expect(() => parseReportDate(text, '--from')).toThrow(ReportRequestError);
  });
});
