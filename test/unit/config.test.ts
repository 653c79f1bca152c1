import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../lib/config.js';
import { resolveSecret } from '../../lib/adapters/secrets/secret-resolver.js';
import { ConfigError, SecretError } from '../../lib/errors.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const env = {
  ACCESS_CATALOG: 'catalog.yaml',
  JIRA_BASE_URL: 'https://your-domain.atlassian.net',
  JIRA_EMAIL: 'bot@example.com',
  JIRA_API_TOKEN: 'ssm:/kube-lease/dev/jira-api-token',
  JIRA_WEBHOOK_SECRET: 'ssm:/kube-lease/dev/jira-webhook-secret',
  SERVICENOW_INSTANCE_URL: 'https://your-instance.service-now.com',
  SERVICENOW_USER: 'kube-lease.integration',
  SERVICENOW_PASSWORD: 'ssm:/kube-lease/dev/servicenow-password',
  SERVICENOW_WEBHOOK_SECRET: 'ssm:/kube-lease/dev/servicenow-webhook-secret',
};

describe('loadConfig', () => {
  it('reads the environment and the catalog, with defaults', () => {
    const config = loadConfig(env, () => DEMO_CATALOG);
    expect(config).toMatchObject({ leasesTable: 'kube-lease-leases', schedulePrefix: 'kube-lease', maxBodyBytes: 262_144, pendingGraceSeconds: 120 });
    expect(config.catalog.profiles).toHaveLength(2);
    expect(config.servicenow).toMatchObject({ instanceUrl: 'https://your-instance.service-now.com', passwordRef: 'ssm:/kube-lease/dev/servicenow-password' });
  });

  it('needs only the variables of the ticket sources the catalog configures', () => {
    const jiraOnly = DEMO_CATALOG.replace(/servicenow:\n(  .*\n)+/, '');
    const { SERVICENOW_INSTANCE_URL: _a, SERVICENOW_USER: _b, SERVICENOW_PASSWORD: _c, SERVICENOW_WEBHOOK_SECRET: _d, ...jiraEnv } = env;
    const config = loadConfig(jiraEnv, () => jiraOnly);
    expect(config.servicenow).toBeUndefined();
    expect(config.jira?.baseUrl).toBe('https://your-domain.atlassian.net');
    expect(() => loadConfig(jiraEnv, () => DEMO_CATALOG)).toThrow(/SERVICENOW_INSTANCE_URL is not set/);
  });

  it('names every missing variable and what it is for', () => {
    expect(() => loadConfig({}, () => DEMO_CATALOG)).toThrow(/ACCESS_CATALOG is not set/);
    // The catalog has a jira section, so every Jira variable is needed.
    expect(() => loadConfig({ ACCESS_CATALOG: 'catalog.yaml' }, () => DEMO_CATALOG)).toThrow(
      /JIRA_BASE_URL is not set[\s\S]*JIRA_EMAIL is not set[\s\S]*JIRA_API_TOKEN is not set[\s\S]*JIRA_WEBHOOK_SECRET is not set/,
    );
  });

  it('selects the timer backend', () => {
    expect(loadConfig(env, () => DEMO_CATALOG).scheduler).toMatchObject({ backend: 'rules', group: 'default' });
    const scheduler = loadConfig({ ...env, SCHEDULER_BACKEND: 'scheduler', SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/x', SCHEDULER_GROUP: 'kube-lease-prod' }, () => DEMO_CATALOG);
    expect(scheduler.scheduler).toMatchObject({ backend: 'scheduler', roleArn: 'arn:aws:iam::1:role/x', group: 'kube-lease-prod' });
    expect(() => loadConfig({ ...env, SCHEDULER_BACKEND: 'cron' }, () => DEMO_CATALOG)).toThrow(/SCHEDULER_BACKEND/);
  });

  it('rejects bad values with the variable name', () => {
    expect(() => loadConfig({ ...env, JIRA_BASE_URL: 'ftp://x' }, () => DEMO_CATALOG)).toThrow(/JIRA_BASE_URL: must be an http\(s\) URL/);
    expect(() => loadConfig({ ...env, SCHEDULE_PREFIX: 'has space' }, () => DEMO_CATALOG)).toThrow(/SCHEDULE_PREFIX/);
  });

  it('refuses credentials in any configured URL, without printing them', () => {
    for (const [name, value] of [
      ['SERVICENOW_INSTANCE_URL', 'https://admin:s3cr3t-pw@your-instance.service-now.com'],
      ['JIRA_BASE_URL', 'https://bot:api-token-123@your-domain.atlassian.net'],
      ['DYNAMODB_ENDPOINT', 'http://key:secret-key@127.0.0.1:8000'],
    ] as const) {
      let message = '';
      try {
        loadConfig({ ...env, [name]: value }, () => DEMO_CATALOG);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(`${name}: must not contain a user name or password`);
      expect(message).not.toMatch(/s3cr3t-pw|api-token-123|secret-key/);
    }
  });

  it('takes the deployment id from the schedule prefix unless set, as a label value', () => {
    expect(loadConfig(env, () => DEMO_CATALOG).deploymentId).toBe('kube-lease');
    expect(loadConfig({ ...env, SCHEDULE_PREFIX: 'kube-lease-prod-' }, () => DEMO_CATALOG).deploymentId).toBe('kube-lease-prod');
    expect(loadConfig({ ...env, DEPLOYMENT_ID: 'prod-eu.account-a' }, () => DEMO_CATALOG).deploymentId).toBe('prod-eu.account-a');
    expect(() => loadConfig({ ...env, DEPLOYMENT_ID: '-bad-' }, () => DEMO_CATALOG)).toThrow(/DEPLOYMENT_ID/);
  });

  it('fails with the catalog path when the catalog cannot be read or is invalid', () => {
    const unreadable = () => {
      throw new Error('ENOENT');
    };
    expect(() => loadConfig(env, unreadable)).toThrow(ConfigError);
    expect(() => loadConfig(env, unreadable)).toThrow(/cannot read access catalog catalog.yaml/);
    expect(() => loadConfig(env, () => 'version: 2')).toThrow(/catalog.yaml:1 version/);
  });
});

describe('resolveSecret', () => {
  const backends = {
    ssm: (name: string) => Promise.resolve(name === '/ok' ? 'from-ssm' : name === '/empty' ? '' : undefined),
    secretsManager: (id: string) => (id === 'boom' ? Promise.reject(new Error('AccessDenied')) : Promise.resolve('from-sm')),
  };

  it('resolves references and passes literal values through', async () => {
    expect(await resolveSecret('ssm:/ok', 'x', backends)).toBe('from-ssm');
    expect(await resolveSecret('secretsmanager:any', 'x', backends)).toBe('from-sm');
    expect(await resolveSecret('plain-value', 'x', backends)).toBe('plain-value');
  });

  it('fails clearly, naming the reference but never a value', async () => {
    await expect(resolveSecret('ssm:/empty', 'JIRA_API_TOKEN', backends)).rejects.toThrow('JIRA_API_TOKEN is empty (ssm:/empty)');
    const error = await resolveSecret('secretsmanager:boom', 'JIRA_API_TOKEN', backends).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as Error).message).toBe('could not read JIRA_API_TOKEN from secretsmanager "boom"');
    await expect(resolveSecret('ssm:/x', 'x', {})).rejects.toThrow(/could not read x from ssm/);
  });
});
