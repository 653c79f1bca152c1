import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { localDynamoDbClient } from '../adapters/dynamodb/endpoint-client.js';
import { makeLeaseHistoryReader } from '../adapters/dynamodb/lease-history-reader.js';
import { parseRoleRules } from '../adapters/review/pack-inputs.js';
import { makeJiraReviewDesk } from '../adapters/review/jira-review-desk.js';
import { renderPack } from '../adapters/review/render-pack.js';
import { makeServiceNowReviewDesk } from '../adapters/review/servicenow-review-desk.js';
import { resolveSecret, type SecretBackends } from '../adapters/secrets/secret-resolver.js';
import { parseEnv, type Config } from '../config.js';
import type { Catalog } from '../domain/catalog.js';
import type { RoleRules } from '../domain/least-privilege.js';
import type { ReviewPack } from '../domain/review-pack.js';
import type { PackFile } from '../domain/review-digest.js';
import type { ReviewPeriodKind } from '../domain/review-period.js';
import { ConfigError } from '../errors.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import type { LeaseHistory } from '../ports/lease-history.js';
import type { ReviewDesk } from '../ports/review-desk.js';
import { awsSecretBackends, evidenceMacOf } from './aws-backends.js';

const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

const reviewSchema = z.object({
  REVIEW_DESK: z.enum(['jira', 'servicenow']).optional(),
  REVIEW_JIRA_PROJECT: z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'a Jira project key such as OPS').optional(),
  REVIEW_JIRA_ISSUE_TYPE: z.string().min(1).default('Task'),
  REVIEW_JIRA_DONE_STATUSES: z.string().min(1).default('Done'),
  REVIEW_JIRA_LINK_TYPE: z.string().min(1).default('Relates'),
  REVIEW_SERVICENOW_TABLE: z.string().regex(/^[a-z0-9_]+$/, 'a table name such as task or sc_task').default('task'),
  REVIEW_SERVICENOW_CLOSED_STATES: z.string().min(1).default('3'),
  REVIEW_PERIOD: z.enum(['quarter', 'half', 'month']).default('quarter'),
  REVIEW_ROLES_FILE: z.string().min(1).optional(),
  REVIEW_FILE_FINDINGS: z.enum(['true', 'false']).default('false'),
});

/** The review settings the scheduled review runs with. */
export interface ReviewSettings {
  readonly period: ReviewPeriodKind;
  readonly fileFindings: boolean;
  /** The role rules of REVIEW_ROLES_FILE, read on first use; undefined without it. */
  readonly roles: () => RoleRules | undefined;
}

/** Replacements for the CLI and tests. */
export interface ReviewOverrides {
  readonly history?: LeaseHistory;
  /** The DynamoDB client the history is read with (the caller keeps and destroys it). */
  readonly dynamodb?: DynamoDBClient;
  readonly evidenceMac?: EvidenceMac | undefined;
  readonly secretBackends?: SecretBackends;
}

/** The ports of the access review, from the configuration and the REVIEW_* settings. */
export interface ReviewParts {
  readonly history: LeaseHistory;
  readonly evidenceMac: EvidenceMac | undefined;
  readonly profiles: Catalog['profiles'];
  readonly render: (pack: ReviewPack) => readonly PackFile[];
  readonly desk: ReviewDesk | undefined;
  readonly settings: ReviewSettings;
  close(): void;
}

function deskOf(config: Config, e: z.output<typeof reviewSchema>, secret: (ref: string, what: string) => Promise<string>): ReviewDesk | undefined {
  if (e.REVIEW_DESK === 'jira') {
    const jira = config.jira;
    if (jira === undefined) throw new ConfigError('invalid environment:\n  REVIEW_DESK is jira but Jira is not configured (the catalog\'s jira section and JIRA_* settings)');
    if (e.REVIEW_JIRA_PROJECT === undefined) throw new ConfigError('invalid environment:\n  REVIEW_JIRA_PROJECT is not set (the Jira project review packs are filed in)');
    return makeJiraReviewDesk({ baseUrl: jira.baseUrl, email: jira.email, apiToken: () => secret(jira.apiTokenRef, 'JIRA_API_TOKEN'), project: e.REVIEW_JIRA_PROJECT, issueType: e.REVIEW_JIRA_ISSUE_TYPE, doneStatuses: list(e.REVIEW_JIRA_DONE_STATUSES), linkType: e.REVIEW_JIRA_LINK_TYPE });
  }
  if (e.REVIEW_DESK === 'servicenow') {
    const sn = config.servicenow;
    if (sn === undefined) throw new ConfigError('invalid environment:\n  REVIEW_DESK is servicenow but ServiceNow is not configured (the catalog\'s servicenow section and SERVICENOW_* settings)');
    return makeServiceNowReviewDesk({ instanceUrl: sn.instanceUrl, user: sn.user, password: () => secret(sn.passwordRef, 'SERVICENOW_PASSWORD'), table: e.REVIEW_SERVICENOW_TABLE, closedStates: list(e.REVIEW_SERVICENOW_CLOSED_STATES) });
  }
  return undefined;
}

/**
 * The access review's ports: the lease history (the table, or `overrides.history`), the evidence
 * key, the catalog's profiles, the pack's renderer and the review desk REVIEW_DESK names (none:
 * packs are built, not filed). Throws ConfigError naming what is wrong.
 */
export function reviewParts(config: Config, env: NodeJS.ProcessEnv, overrides: ReviewOverrides = {}): ReviewParts {
  const e = parseEnv(reviewSchema, env);
  let backends: SecretBackends | undefined = overrides.secretBackends;
  const secret = (ref: string, what: string) => resolveSecret(ref, what, (backends ??= awsSecretBackends(config.region)));
  const given = overrides.dynamodb;
  const client = overrides.history === undefined && given === undefined ? (config.dynamodbEndpoint === undefined ? new DynamoDBClient({ region: config.region }) : localDynamoDbClient(config.dynamodbEndpoint)) : undefined;
  let roles: RoleRules | undefined;
  const rolesFile = e.REVIEW_ROLES_FILE;
  return {
    history: overrides.history ?? makeLeaseHistoryReader({ client: given ?? client ?? new DynamoDBClient({ region: config.region }), tableName: config.leasesTable }),
    evidenceMac: 'evidenceMac' in overrides ? overrides.evidenceMac : evidenceMacOf(config.evidenceKey, config.region),
    profiles: config.catalog.profiles,
    render: renderPack,
    desk: deskOf(config, e, secret),
    settings: {
      period: e.REVIEW_PERIOD,
      fileFindings: e.REVIEW_FILE_FINDINGS === 'true',
      roles: () => (rolesFile === undefined ? undefined : (roles ??= parseRoleRules(readFileSync(rolesFile, 'utf8'), rolesFile))),
    },
    close: () => client?.destroy(),
  };
}
