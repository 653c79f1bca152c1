import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AccessReport } from '../../lib/domain/access-report.js';
import type { ApproveAnswer } from '../sandbox/sandbox.js';

const run = promisify(execFile);

/** Waits until `text` holds what `done` looks for, or the process ends, or `ms` pass. */
async function waitFor(read: () => string, done: (text: string) => boolean, child: ChildProcess, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  while (!done(read())) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the sandbox ended (${child.exitCode ?? child.signalCode ?? '?'}) before it was ready:\n${read()}`);
    if (Date.now() > deadline) throw new Error(`the sandbox was not ready after ${ms} ms:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return read();
}

/**
 * `npm run sandbox` as a person uses it: started as its own process (on free ports), the ticket
 * approvals it prints pasted, then the CLI and the report run as `npx kube-lease` does, with the
 * store line it prints; Ctrl-C (SIGINT) ends it.
 */
describe('npm run sandbox', () => {
  let dir: string;
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  let printed = '';
  let cliEnv: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => run(process.execPath, ['lib/cli/kube-lease.mjs', ...args], { env: cliEnv, maxBuffer: 10 * 1024 * 1024 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-sandbox-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'test/sandbox/main.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', SANDBOX_PORT: '0', LOCAL_DYNAMODB_PORT: '0', DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    printed = await waitFor(() => stdout, (text) => text.includes('Ctrl-C stops the sandbox.'), child, 90_000);
    const endpoint = /^lease store: DYNAMODB_ENDPOINT=(http:\/\/127\.0\.0\.1:\d+) LEASES_TABLE=kube-lease-leases /m.exec(printed)?.[1];
    if (endpoint === undefined) throw new Error(`no store line in:\n${printed}`);
    cliEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DYNAMODB_ENDPOINT: endpoint };
  }, 120_000);

  afterAll(async () => {
    // Never throws: a failure above stays the failure reported.
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('prints ready-to-paste approvals and CLI lines that read its store', async () => {
    // Prepare: the three approvals it prints, pasted as they are.
    const approvals = [...printed.matchAll(/^ {2}curl -s -X POST '([^']+)'$/gm)].map((m) => m[1] ?? '');
    expect(approvals).toHaveLength(3);
    const answers: ApproveAnswer[] = [];
    for (const url of approvals) answers.push((await (await fetch(url, { method: 'POST' })).json()) as ApproveAnswer);
    expect(answers.map((a) => [a.source, (a.webhook.body as { outcome?: string }).outcome])).toEqual([
      ['jira', 'granted'],
      ['servicenow', 'granted'],
      ['jira', 'denied'],
    ]);
    // Act: the CLI lines it prints, run as npx kube-lease runs them.
    expect(printed).toMatch(/^ {2}DYNAMODB_ENDPOINT=\S+ npx kube-lease leases list --all$/m);
    const table = await cli('leases', 'list');
    const listed = JSON.parse((await cli('leases', 'list', '--all', '--json')).stdout) as { ticketKey: string; status: string }[];
    expect(printed).toMatch(/^ {2}DYNAMODB_ENDPOINT=\S+ npx kube-lease report --out sandbox-report\.html /m);
    const report = JSON.parse((await cli('report', '--json')).stdout) as AccessReport;
    // Assess
    const granted = answers.slice(0, 2).map((a) => (a.webhook.body as { leaseId: string }).leaseId);
    for (const id of granted) expect(table.stdout).toMatch(new RegExp(`^${id}\\s+ACTIVE\\s`, 'm'));
    expect(listed.map((l) => [l.ticketKey, l.status]).sort()).toEqual([[answers[1]?.ticket, 'ACTIVE'], ['OPS-101', 'ACTIVE']].sort());
    expect(report.summary).toMatchObject({ leases: 2, grants: 2, denials: 1 });
  }, 60_000);

  it('stops on Ctrl-C and leaves its store on disk', async () => {
    // Act
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await Promise.race([ended, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 30 s'), 30_000))]);
    // Assess
    expect({ code, stderr: stderr.includes('kube-lease sandbox: stopping') }).toEqual({ code: 0, stderr: true });
    expect((await readdir(join(dir, 'dynamodb'))).length).toBeGreaterThan(0);
  }, 40_000);
});

/** `npm run demo -- --keep`: the demo's cycle, then its store served until Ctrl-C, for the CLI. */
describe('npm run demo -- --keep', () => {
  let dir: string;
  let child: ChildProcess;
  let stdout = '';

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the demo\'s leases in a store the CLI reads, until Ctrl-C', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-demo-keep-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'test/demo/main.ts', '--keep'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DEMO_LEASE_SECONDS: '2', LOCAL_DYNAMODB_PORT: '0', DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const printed = await waitFor(() => stdout, (text) => text.includes('Ctrl-C stops it.'), child, 120_000);
    const env = /^demo: its lease store stays up \(--keep\): DYNAMODB_ENDPOINT=(\S+) LEASES_TABLE=(\S+) /m.exec(printed);
    // Act
    const { stdout: json } = await run(process.execPath, ['lib/cli/kube-lease.mjs', 'leases', 'list', '--all', '--json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DYNAMODB_ENDPOINT: env?.[1], LEASES_TABLE: env?.[2] },
    });
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await Promise.race([ended, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 30 s'), 30_000))]);
    // Assess
    expect(printed).toContain('demo: full cycle completed');
    // The Jira and ServiceNow leases, the on-call and the break-glass lease, and the refused second break-glass.
    expect((JSON.parse(json) as { ticketKey: string; status: string; approvalKind: string }[]).map((l) => [l.ticketKey.replace(/\d+$/, 'n'), l.status, l.approvalKind]).sort()).toEqual([
      ['CHGn', 'REVOKED', 'person'],
      ['OPS-n', 'FAILED', 'break-glass'],
      ['OPS-n', 'REVOKED', 'break-glass'],
      ['OPS-n', 'REVOKED', 'on-call'],
      ['OPS-n', 'REVOKED', 'person'],
    ]);
    expect(code).toBe(0);
  }, 180_000);
});
