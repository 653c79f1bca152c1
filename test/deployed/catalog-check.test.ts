import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const { problemsOf } = require('../../deploy/catalog-check-plugin.cjs') as {
  problemsOf(catalog: unknown, settings: { ssmPrefix: string; secretsPrefix: string; eksClusterPattern: string; auditLogGroupPattern?: string; region: string }): string[];
};
const TEST_STAGE = { ssmPrefix: '/kube-lease/test', secretsPrefix: 'kube-lease/test', eksClusterPattern: 'kube-lease-test-*', region: 'eu-west-1' };

describe('catalog vs stage, at package time (deploy/catalog-check-plugin.cjs)', () => {
  it('names every secret and cluster the stage\'s IAM cannot reach', () => {
    const catalog = {
      clusters: {
        a: { kubeconfig: 'ssm:/kube-lease/prod/clusters/x' },
        b: { kubeconfig: 'secretsmanager:other/test/clusters/x' },
        c: { kubeconfig: 'file:./kubeconfig' },
        d: {},
        e: { type: 'eks', name: 'payments-prod', region: 'eu-west-1' },
        f: { type: 'eks', name: 'kube-lease-test-us', region: 'us-east-1' },
        ok1: { kubeconfig: 'ssm:/kube-lease/test/clusters/x' },
        ok2: { type: 'eks', name: 'kube-lease-test-eu', region: 'eu-west-1' },
      },
    };
    const problems = problemsOf(catalog, TEST_STAGE);
    expect(problems.map((p) => /^cluster "(\w+)"/.exec(p)?.[1])).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(problemsOf(parse(readFileSync('test/fixtures/catalog.stage-test.yaml', 'utf8')), TEST_STAGE)).toEqual([]);
  });

  it('names every audit log the stage\'s IAM cannot read: a log group outside the pattern, another region, a file', () => {
    // Prepare
    const stage = { ...TEST_STAGE, auditLogGroupPattern: '/aws/eks/kube-lease-test-*/cluster' };
    const eks = (name: string, region: string, auditLog: unknown) => ({ type: 'eks', name, region, endpoint: 'https://x.example', caData: 'x', auditLog });
    const catalog = {
      clusters: {
        g: eks('kube-lease-test-g', 'eu-west-1', { type: 'cloudwatch', logGroup: '/aws/eks/payments/cluster' }),
        h: eks('kube-lease-test-h', 'us-east-1', { type: 'cloudwatch', logGroup: '/aws/eks/kube-lease-test-h/cluster' }),
        i: eks('kube-lease-test-i', 'eu-west-1', { type: 'cloudwatch', logGroup: '/aws/eks/kube-lease-test-i/cluster', region: 'us-east-1' }),
        j: { kubeconfig: 'ssm:/kube-lease/test/clusters/j', auditLog: { type: 'file', path: '/var/log/audit.log' } },
        ok: eks('kube-lease-test-ok', 'eu-west-1', { type: 'cloudwatch', logGroup: '/aws/eks/kube-lease-test-ok/cluster' }),
      },
    };
    // Act
    const problems = problemsOf(catalog, stage).filter((p) => p.includes('audit log'));
    // Assess
    expect(problems.map((p) => /^cluster "(\w+)"/.exec(p)?.[1])).toEqual(['g', 'h', 'i', 'j']);
    expect(problems[1]).toContain('audit log in us-east-1');
  });

  it('stops `serverless package` with a clear message instead of AccessDenied at run time', async () => {
    let output = '';
    try {
      await run(join('node_modules', '.bin', 'serverless'), ['package', '--package', join('/tmp', `kube-lease-refused-${process.pid}`), '--stage', 'test'], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'placeholder', AWS_SECRET_ACCESS_KEY: 'placeholder', SLS_TELEMETRY_DISABLED: '1' },
        timeout: 120_000,
      });
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string };
      output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
    }
    expect(output).toContain('the access catalog deploy/catalog.example.yaml does not fit stage test');
    expect(output).toContain('EKS cluster kube-lease-prod-eu is not one this stage may describe');
    expect(output).toContain('ssm:/kube-lease/prod/clusters/kubeconfig-on-prem is outside ssm:/kube-lease/test/clusters/');
  }, 150_000);

  it('stops `serverless package` on a catalog the functions would refuse at cold start: every problem, with file and line', async () => {
    // Prepare: the example catalog (prod's) with an unknown key and a duration kube-lease cannot read.
    const dir = await mkdtemp(join(tmpdir(), 'kube-lease-invalid-catalog-'));
    const file = join(dir, 'catalog.yaml');
    const example = readFileSync('deploy/catalog.example.yaml', 'utf8');
    const broken = example.replace('    maxDuration: 4h\n', '    maxDuration: 2 hours\n').replace('    defaultDuration: 1h\n', '    defaultDuration: 1h\n    profil: payments\n');
    expect(broken).not.toBe(example);
    await writeFile(file, broken);
    const lines = broken.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    let output = '';
    let failed = false;
    // Act
    try {
      await run(join('node_modules', '.bin', 'serverless'), ['package', '--package', join(dir, 'pkg'), '--stage', 'prod', `--param=catalogFile=${file}`], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'placeholder', AWS_SECRET_ACCESS_KEY: 'placeholder', SLS_TELEMETRY_DISABLED: '1' },
        timeout: 120_000,
      });
    } catch (error) {
      failed = true;
      const failure = error as { stdout?: string; stderr?: string };
      output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
    }
    const packaged = existsSync(join(dir, 'pkg'));
    await rm(dir, { recursive: true, force: true });
    // Assess
    expect({ failed, packaged }).toEqual({ failed: true, packaged: false });
    expect(output).toContain(`kube-lease: the access catalog ${file} would stop every function at cold start: access catalog is invalid:`);
    expect(output).toContain(`${file}:${at('profil: payments')} profiles[0]: unknown key "profil" (keys here: name, `);
    expect(output).toContain(`${file}:${at('maxDuration: 2 hours')} profiles[0].maxDuration: not a duration`);
  }, 150_000);
});
