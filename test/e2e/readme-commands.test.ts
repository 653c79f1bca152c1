import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { localDynamoDbClient } from '../../lib/adapters/dynamodb/endpoint-client.js';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { FakeJira } from '../fakes/fake-jira.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { FakeServiceNow } from '../fakes/fake-servicenow.js';
import { leaseFixture } from '../support/lease-fixture.js';
import { alice } from '../support/stack.js';

/**
 * Every shell block of the README runs as written, or says why it cannot run here. A block is
 * marked by the HTML comment before it (`<!-- readme-test: <kind> -->`, invisible when rendered):
 * `ci` (what .ci/run runs), `local-mode`, `cli` and `cli-revoke` (run against fake Jira, ServiceNow
 * and Kubernetes), `kubectl` (piped into a stand-in kubectl that accepts only well-formed objects),
 * `package` (offline), `needs-aws` (not run: it needs an AWS account). The only substitutions are
 * the README's own placeholders for your Jira and ServiceNow addresses.
 */
const README = readFileSync('README.md', 'utf8');
const KINDS = ['ci', 'local-mode', 'cli', 'cli-revoke', 'kubectl', 'package', 'needs-aws'] as const;

interface Block {
  readonly kind: string | undefined;
  readonly line: number;
  readonly code: string;
}

function shellBlocks(): Block[] {
  const lines = README.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i] ?? '')) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    const kind = /^<!-- readme-test: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ kind, line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

const blocksOf = (kind: string) => shellBlocks().filter((b) => b.kind === kind);
/** Command lines of a block, without comments and continuation breaks. */
const commands = (code: string) =>
  code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

const scratch = mkdtempSync(join(tmpdir(), 'kube-lease-readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A stand-in for `kubectl apply -f -`: accepts only a stream of well-formed Kubernetes objects. */
function fakeKubectl(): string {
  const bin = join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  const check = `const { parseAllDocuments } = require('yaml'); let text = ''; process.stdin.on('data', (c) => (text += c)).on('end', () => {
    const docs = parseAllDocuments(text); let n = 0;
    for (const d of docs) { if (d.errors.length > 0) { console.error('error: ' + d.errors[0].message); process.exit(1); }
      const o = d.toJS(); if (o === null) continue;
      if (!o.apiVersion || !o.kind || !o.metadata || !o.metadata.name) { console.error('error: not a Kubernetes object: ' + JSON.stringify(o).slice(0, 80)); process.exit(1); }
      console.log(o.kind.toLowerCase() + '/' + o.metadata.name + ' created'); n += 1; }
    if (n === 0) { console.error('error: no objects passed to apply'); process.exit(1); } });`;
  writeFileSync(join(bin, 'kubectl-check.cjs'), check.replace("require('yaml')", "require(require.resolve('yaml', { paths: [process.cwd()] }))"));
  writeFileSync(join(bin, 'kubectl'), `#!/usr/bin/env bash\n[ "$*" = "apply -f -" ] || { echo "fake kubectl: only 'apply -f -'" >&2; exit 2; }\nexec node "$(dirname "$0")/kubectl-check.cjs"\n`);
  chmodSync(join(bin, 'kubectl'), 0o755);
  return bin;
}

/** Runs a script in bash (-e: any failing line fails it), without blocking the fakes in this process. */
function bash(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-c', script], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('README commands', () => {
  it('marks every shell block with what the test does with it', () => {
    const unmarked = shellBlocks().filter((b) => b.kind === undefined || !(KINDS as readonly string[]).includes(b.kind));
    expect(unmarked.map((b) => `README.md:${b.line} ${b.kind ?? '(no readme-test marker)'}`)).toEqual([]);
  });

  it('runs the "Try it" commands in CI: .ci/run runs each of them', () => {
    const ci = readFileSync('.ci/run', 'utf8');
    for (const block of blocksOf('ci')) for (const command of commands(block.code)) expect(ci).toMatch(new RegExp(`^${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'm'));
  });

  it('pipes only well-formed Kubernetes objects into kubectl', async () => {
    const bin = fakeKubectl();
    const blocks = blocksOf('kubectl');
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const result = await bash(`set -o pipefail\n${block.code}`, { PATH: `${bin}:${process.env.PATH ?? ''}` });
      expect({ line: block.line, status: result.status, stderr: result.stderr }).toEqual({ line: block.line, status: 0, stderr: '' });
      expect(result.stdout).toMatch(/created/);
    }
  });

  it('packages the stack offline as written', async () => {
    for (const block of blocksOf('package')) {
      const result = await bash(block.code, { SLS_TELEMETRY_DISABLED: '1' });
      expect({ status: result.status, output: result.status === 0 ? '' : result.stdout + result.stderr }).toEqual({ status: 0, output: '' });
      expect(readdirSync('.serverless').filter((f) => f.endsWith('.zip'))).toHaveLength(5);
    }
  }, 180_000);

  it('starts local mode as written, and the CLI commands as written read and revoke through its store', async () => {
    // Prepare: the fakes behind the README's placeholders, a kubeconfig where KUBECONFIG=~/.kube/config looks.
    const jira = new FakeJira('you@example.com', '<token>');
    const servicenow = new FakeServiceNow('kube-lease.integration', '<password>');
    const kube = new FakeKubernetes();
    const [jiraUrl, snUrl, kubeUrl] = await Promise.all([jira.start(), servicenow.start(), kube.start()]);
    const home = join(scratch, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), kube.kubeconfig(kubeUrl));
    const placeholders = (code: string) => code.replaceAll('https://your-domain.atlassian.net', jiraUrl).replaceAll('https://your-instance.service-now.com', snUrl);
    const [localMode] = blocksOf('local-mode');
    const [cli] = blocksOf('cli');
    const [revoke] = blocksOf('cli-revoke');
    if (localMode === undefined || cli === undefined || revoke === undefined) throw new Error('README lost a marked block');
    // Only what the README leaves to the environment: a fresh data folder, any free web port.
    const env = { HOME: home, DATA_DIR: join(scratch, 'data'), PORT: '0' };
    let server: ChildProcess | undefined;
    try {
      // Act 1: npm start, as written.
      server = spawn('bash', ['-c', placeholders(localMode.code)], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const banner = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`local mode did not start: ${text}`)), 60_000);
        server?.stderr?.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (/lease store for the CLI/.test(text)) {
            clearTimeout(timer);
            resolve(text);
          }
        });
        server?.on('exit', (code) => reject(new Error(`local mode exited with ${code}: ${text}`)));
      });
      const url = /local mode on (http:\/\/\S+)/.exec(banner)?.[1] ?? '';
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(banner).toContain('DYNAMODB_ENDPOINT=http://127.0.0.1:8000 LEASES_TABLE=kube-lease-leases');
      // The README's example lease, active on the local cluster, from ticket OPS-1.
      jira.createIssue({ key: 'OPS-1', reporter: alice, summary: 'Payments incident', fields: {} });
      const store = new DynamoDbLeaseStore(localDynamoDbClient('http://127.0.0.1:8000'), 'kube-lease-leases');
      const lease = { ...leaseFixture('0123456789abcdef0123', new Date(Date.now() + 3_600_000).toISOString()), cluster: 'local', createdAt: new Date().toISOString(), startsAt: new Date().toISOString() };
      await store.create(lease);
      await store.transition(lease, 'ACTIVE', { at: new Date().toISOString(), from: 'PENDING', to: 'ACTIVE', by: 'readme-test' });

      // Act 2: the CLI block, every line, in a shell of its own.
      const listed = await bash(cli.code, env);
      // Act 3: the revoke, in the shell with the local-mode settings and the CLI's two variables.
      const exports = (code: string) => commands(placeholders(code)).filter((c) => c.startsWith('export ')).join('\n');
      const revoked = await bash(`${exports(localMode.code)}\n${exports(cli.code)}\n${revoke.code}`, env);

      // Assess
      expect({ status: listed.status, stderr: listed.status === 0 ? '' : listed.stderr }).toEqual({ status: 0, stderr: '' });
      expect(listed.stdout).toContain('0123456789abcdef0123');
      expect(listed.stdout).toMatch(/lease\s+0123456789abcdef0123 \(ACTIVE\)/);
      expect(readFileSync('access-report.html', 'utf8')).toContain('0123456789abcdef0123');
      expect({ status: revoked.status, stderr: revoked.status === 0 ? '' : revoked.stderr }).toEqual({ status: 0, stderr: '' });
      expect(revoked.stdout).toContain('revoked 0123456789abcdef0123');
      expect((await store.get(lease.id))?.status).toBe('REVOKED');
      expect(jira.comments('OPS-1').at(-1)).toContain('an operator revoked it');
    } finally {
      if (server?.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
      await Promise.all([jira.stop(), servicenow.stop(), kube.stop()]);
      if (existsSync('access-report.html')) rmSync('access-report.html');
    }
  }, 180_000);
});
