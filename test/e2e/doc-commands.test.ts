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
import { settingsInCode } from '../../tools/docs/config-settings.js';
import { SANDBOX_TABLE, sandboxHelp } from '../sandbox/sandbox.js';
import { cleanUp } from '../support/clean-up.js';

/**
 * Every shell block of the README and of docs/ runs as written, or says why it cannot run here. A
 * block is marked by the HTML comment before it (`<!-- doc-test: <kind> -->`, invisible when
 * rendered):
 * - `ci`: what .ci/run runs;
 * - `local-mode`, `cli` and `cli-revoke`: local mode started as written against fake Jira, ServiceNow
 *   and Kubernetes, then the CLI commands against its store;
 * - `kubectl`: piped into a stand-in kubectl that accepts only well-formed objects;
 * - `package`: the offline packaging;
 * - `sandbox`: `npm run sandbox`, and lines that the sandbox prints at its default ports (approve a
 *   ticket, read its store); test/e2e/sandbox.test.ts runs the printed lines against a sandbox;
 * - `needs-aws`, `needs-cluster`: not run (they need an AWS account or a cluster), but each must be
 *   valid shell (`bash -n`: a placeholder such as `<role arn>` outside quotes is a syntax error)
 *   and every `aws` and `serverless` command must name its region.
 * The only substitutions are the docs' own placeholders for your Jira and ServiceNow addresses, and
 * the store's port: the test runs local mode on free ports and gives the CLI the one it got.
 */
const DOCUMENTS = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const KINDS = ['ci', 'local-mode', 'cli', 'cli-revoke', 'kubectl', 'package', 'sandbox', 'needs-aws', 'needs-cluster'] as const;

interface Block {
  readonly kind: string | undefined;
  readonly where: string;
  readonly code: string;
}

function shellBlocks(): Block[] {
  const blocks: Block[] = [];
  for (const document of DOCUMENTS) {
    const lines = readFileSync(document, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i += 1) {
      if (!/^```(sh|bash|shell|console)\s*$/.test(lines[i] ?? '')) {
        if ((lines[i] ?? '').startsWith('```')) i = lines.findIndex((l, j) => j > i && l.startsWith('```'));
        continue;
      }
      const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
      const kind = /^<!-- doc-test: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1];
      blocks.push({ kind, where: `${document}:${i + 1}`, code: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
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

/** The one block of a kind that the local-mode test drives. */
function onlyBlock(kind: string): Block {
  const blocks = blocksOf(kind);
  if (blocks.length !== 1) throw new Error(`expected exactly one "${kind}" block in the docs, found ${blocks.length}`);
  return blocks[0] as Block;
}

/** A command that reaches AWS (`aws …`, `serverless deploy|info|remove|package`) must name the region: the stack's is not AWS_REGION. */
const needsRegion = (command: string) => /^(aws\s|npx serverless (deploy|info|remove|package)\b)/.test(command.replace(/^(for \S+ in \$\(|do\s+)/, ''));

describe('documentation commands', () => {
  it('reads the README and every page of docs/', () => {
    const files = [...new Set(shellBlocks().map((b) => b.where.split(':')[0]))];
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/getting-started.md', 'docs/deploy-aws.md', 'docs/cli.md', 'docs/cluster-setup.md']));
  });

  it('marks every shell block with what the test does with it', () => {
    const unmarked = shellBlocks().filter((b) => b.kind === undefined || !(KINDS as readonly string[]).includes(b.kind));
    expect(unmarked.map((b) => `${b.where} ${b.kind ?? '(no doc-test marker)'}`)).toEqual([]);
  });

  it('runs the "Try it" commands in CI: .ci/run runs each of them', () => {
    const ci = readFileSync('.ci/run', 'utf8');
    expect(blocksOf('ci').length).toBeGreaterThan(0);
    for (const block of blocksOf('ci')) for (const command of commands(block.code)) expect(ci).toMatch(new RegExp(`^${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'm'));
  });

  it('writes the blocks that need AWS or a cluster as valid shell, each AWS command with its region', async () => {
    // Prepare
    const blocks = [...blocksOf('needs-aws'), ...blocksOf('needs-cluster')];
    expect(blocks.length).toBeGreaterThan(3);
    // Act
    const invalid: string[] = [];
    for (const block of blocks) {
      const result = await bash(`set -n\n${block.code}`, {});
      if (result.status !== 0) invalid.push(`${block.where}: ${result.stderr.trim()}`);
    }
    const regionless = blocks.flatMap((block) => commands(block.code).filter((c) => needsRegion(c) && !/\s--region\s/.test(c)).map((c) => `${block.where}: ${c}`));
    // Assess
    expect(invalid).toEqual([]);
    expect(regionless).toEqual([]);
  });

  it('refuses a placeholder that is not valid shell, and an AWS command without its region (the check itself)', async () => {
    // The loop the docs once had, and a put-parameter without --region.
    const broken = await bash('set -n\nfor role in <WebhookRole arn> <TimerRole arn>; do echo "$role"; done', {});
    expect(broken.status).not.toBe(0);
    expect(needsRegion('aws ssm put-parameter --name x')).toBe(true);
    expect(needsRegion('for role in $(aws cloudformation describe-stacks --stack-name kube-lease-prod')).toBe(true);
  });

  it('pipes only well-formed Kubernetes objects into kubectl', async () => {
    const bin = fakeKubectl();
    const blocks = blocksOf('kubectl');
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const result = await bash(`set -o pipefail\n${block.code}`, { PATH: `${bin}:${process.env.PATH ?? ''}` });
      expect({ where: block.where, status: result.status, stderr: result.stderr }).toEqual({ where: block.where, status: 0, stderr: '' });
      expect(result.stdout).toMatch(/created/);
    }
  });

  it('packages the stack offline as written', async () => {
    expect(blocksOf('package').length).toBeGreaterThan(0);
    for (const block of blocksOf('package')) {
      const result = await bash(block.code, { SLS_TELEMETRY_DISABLED: '1' });
      expect({ status: result.status, output: result.status === 0 ? '' : result.stdout + result.stderr }).toEqual({ status: 0, output: '' });
      expect(readdirSync('.serverless').filter((f) => f.endsWith('.zip'))).toHaveLength(6);
    }
  }, 180_000);

  it('shows in the sandbox blocks only npm run sandbox and lines the sandbox itself prints at its default ports', () => {
    // Prepare: what the sandbox prints when started with its defaults (test/e2e/sandbox.test.ts runs
    // the printed lines against a running sandbox, so a documented line that is printed works).
    const printed = new Set(
      sandboxHelp({
        localUrl: 'http://127.0.0.1:3000',
        controlUrl: 'http://127.0.0.1:3001',
        fakes: { jira: '', servicenow: '', kubernetes: '' },
        store: { endpoint: 'http://127.0.0.1:8000', table: SANDBOX_TABLE, dir: '.sandbox' },
      })
        .split('\n')
        .map((line) => line.replace(/\s+#.*$/, '').trim()),
    );
    const lines = blocksOf('sandbox').flatMap((block) => commands(block.code).map((command) => ({ where: block.where, command })));
    expect(lines.length).toBeGreaterThan(0);
    // Act
    const unknown = lines.filter(({ command }) => command !== 'npm run sandbox' && !printed.has(command)).map(({ where, command }) => `${where}: ${command}`);
    // Assess
    expect(unknown).toEqual([]);
  });

  it('starts local mode as written, and the CLI commands as written read and revoke through its store', async () => {
    // Prepare: the fakes behind the docs' placeholders, a kubeconfig where KUBECONFIG=~/.kube/config looks.
    const jira = new FakeJira('you@example.com', '<token>');
    const servicenow = new FakeServiceNow('kube-lease.integration', '<password>');
    const kube = new FakeKubernetes();
    const [jiraUrl, snUrl, kubeUrl] = await Promise.all([jira.start(), servicenow.start(), kube.start()]);
    const home = join(scratch, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), kube.kubeconfig(kubeUrl));
    const localMode = onlyBlock('local-mode');
    const cli = onlyBlock('cli');
    const revoke = onlyBlock('cli-revoke');
    // The CLI block uses the store's documented default port; this run uses a free one instead.
    const documentedStore = `http://127.0.0.1:${String(settingsInCode().get('LOCAL_DYNAMODB_PORT')?.defaultValue)}`;
    expect(cli.code).toContain(`DYNAMODB_ENDPOINT=${documentedStore} `);
    let storeUrl = documentedStore;
    const placeholders = (code: string) =>
      code.replaceAll('https://your-domain.atlassian.net', jiraUrl).replaceAll('https://your-instance.service-now.com', snUrl).replaceAll(documentedStore, storeUrl);
    // Only what the docs leave to the environment: a fresh data folder, any free ports.
    const env = { HOME: home, DATA_DIR: join(scratch, 'data'), PORT: '0', LOCAL_DYNAMODB_PORT: '0' };
    let server: ChildProcess | undefined;
    try {
      // Act 1: npm start, as written.
      server = spawn('bash', ['-c', placeholders(localMode.code)], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const banner = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`local mode did not start: ${text}`)), 120_000);
        server?.stderr?.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (/lease store for the CLI.*\n/.test(text)) {
            clearTimeout(timer);
            resolve(text);
          }
        });
        server?.on('exit', (code) => reject(new Error(`local mode exited with ${code}: ${text}`)));
      });
      const url = /local mode on (http:\/\/\S+)/.exec(banner)?.[1] ?? '';
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      storeUrl = /DYNAMODB_ENDPOINT=(http:\/\/127\.0\.0\.1:\d+) LEASES_TABLE=kube-lease-leases/.exec(banner)?.[1] ?? '';
      expect(storeUrl).not.toBe('');
      // The docs' example lease, active on the local cluster, from ticket OPS-1.
      jira.createIssue({ key: 'OPS-1', reporter: alice, summary: 'Payments incident', fields: {} });
      const store = new DynamoDbLeaseStore(localDynamoDbClient(storeUrl), 'kube-lease-leases');
      const lease = { ...leaseFixture('0123456789abcdef0123', new Date(Date.now() + 3_600_000).toISOString()), cluster: 'local', createdAt: new Date().toISOString(), startsAt: new Date().toISOString() };
      await store.create(lease);
      await store.transition(lease, 'ACTIVE', { at: new Date().toISOString(), from: 'PENDING', to: 'ACTIVE', by: 'doc-test' });

      // Act 2: the CLI block, every line, in a shell of its own.
      const listed = await bash(placeholders(cli.code), env);
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
      // Never throws over the assertion that failed (local mode may have exited already: kill ESRCH).
      await cleanUp(
        () => (server?.pid === undefined ? undefined : process.kill(-server.pid, 'SIGTERM')),
        () => jira.stop(),
        () => servicenow.stop(),
        () => kube.stop(),
        () => existsSync('access-report.html') && rmSync('access-report.html'),
      );
    }
  }, 420_000); // nine CLI processes, each a fresh tsx start: minutes on a busy 2-core machine
});
