import JiraApi from 'jira-client';
import type { Config } from '../config.js';
import type { Clock } from '../ports/clock.js';
import type { SourceModule } from '../ports/webhook-source.js';
import { jiraRequest } from '../sources/jira/jira-request.js';
import { makeJiraSource } from '../sources/jira/jira-source.js';
import { ServiceNowClient } from '../sources/servicenow/servicenow-client.js';
import { makeServiceNowSource } from '../sources/servicenow/servicenow-source.js';
import { DEFAULT_PAGERDUTY_OPTIONS, PagerDutyClient } from '../adapters/pagerduty/pagerduty-client.js';
import { PagerDutyOnCall } from '../adapters/pagerduty/pagerduty-on-call.js';
import type { OnCallDirectory } from '../ports/on-call-directory.js';

/** Memoises an async factory; a failure is not kept, so the next call tries again. */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (value === undefined) {
      value = build();
      value.catch(() => (value = undefined));
    }
    return value;
  };
}

function jiraClients(jira: NonNullable<Config['jira']>, token: () => Promise<string>) {
  const build = (intermediatePath?: string) =>
    lazy(async () => {
      const url = new URL(jira.baseUrl);
      return new JiraApi({
        protocol: url.protocol.replace(':', ''),
        host: url.hostname,
        port: url.port === '' ? undefined : url.port,
        base: url.pathname.replace(/\/+$/, ''),
        username: jira.email,
        password: await token(),
        apiVersion: '2',
        strictSSL: true,
        request: jiraRequest,
        timeout: 10_000,
        ...(intermediatePath === undefined ? {} : { intermediatePath }),
      });
    });
  return { api: build(), serviceDesk: build('/rest/servicedeskapi') };
}

/** Resolves a secret reference (`ssm:`, `secretsmanager:`, `file:` or a literal locally); `what` names it in errors. */
export type SecretReader = (reference: string, what: string) => Promise<string>;

/**
 * The configured ITSM sources, each built by its module's one factory from the clients made here.
 * A source is configured when the catalog has its section and the environment its settings.
 */
export function buildSources(config: Config, secret: SecretReader, clock: Clock): SourceModule[] {
  const sources: SourceModule[] = [];
  const { jira, servicenow, catalog } = config;
  if (jira !== undefined && catalog.jira !== undefined) {
    const clients = jiraClients(jira, () => secret(jira.apiTokenRef, 'JIRA_API_TOKEN'));
    sources.push(
      makeJiraSource({
        catalog: catalog.jira,
        baseUrl: jira.baseUrl,
        email: jira.email,
        api: clients.api,
        serviceDesk: clients.serviceDesk,
        reviewApi: clients.api,
        webhookSecret: () => secret(jira.webhookSecretRef, 'JIRA_WEBHOOK_SECRET'),
        webhookMaxAgeSeconds: config.jiraWebhookMaxAgeSeconds,
        clock,
        retry: config.retry,
      }),
    );
  }
  if (servicenow !== undefined && catalog.servicenow !== undefined) {
    const credentials = async () => ({ instanceUrl: servicenow.instanceUrl, user: servicenow.user, password: await secret(servicenow.passwordRef, 'SERVICENOW_PASSWORD') });
    sources.push(
      makeServiceNowSource({
        catalog: catalog.servicenow,
        instanceUrl: servicenow.instanceUrl,
        user: servicenow.user,
        client: new ServiceNowClient(credentials, config.retry),
        credentials,
        webhookSecret: () => secret(servicenow.webhookSecretRef, 'SERVICENOW_WEBHOOK_SECRET'),
        clock,
      }),
    );
  }
  return sources;
}

/** PagerDuty as the on-call directory, when a profile accepts on-call approval; its key is read on first use. */
export function buildOnCall(config: Config, secret: SecretReader): OnCallDirectory | undefined {
  const pagerDuty = config.pagerDuty;
  if (pagerDuty === undefined) return undefined;
  const options = { ...DEFAULT_PAGERDUTY_OPTIONS, attempts: config.retry.attempts, baseDelayMs: config.retry.baseDelayMs };
  return new PagerDutyOnCall(new PagerDutyClient(pagerDuty.apiUrl, () => secret(pagerDuty.apiKeyRef, 'PAGERDUTY_API_KEY'), options));
}
