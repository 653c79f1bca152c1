import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const { problemsOf } = require('../../deploy/catalog-check-plugin.cjs') as {
  problemsOf(catalog: unknown, settings: { ssmPrefix: string; secretsPrefix: string; eksClusterPattern: string; region: string }): string[];
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
});
