import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLeaseStore } from './adapters/dynamodb/dynamodb-lease-store.js';
import { localDynamoDbClient } from './adapters/dynamodb/endpoint-client.js';
import type { PrepareScope } from './composition/prepare.js';
import type { Config, StoreConfig } from './config.js';
import { buildCore, type ContainerOverrides } from './core-container.js';
import type { TicketSourceName } from './domain/ticket.js';
import { buildGrant } from './grant-container.js';
import type { AuditLog } from './ports/audit-log.js';
import type { Clock } from './ports/clock.js';
import type { HttpRequest, HttpResponse } from './ports/http.js';
import type { LeaseStore } from './ports/lease-store.js';
import type { Logger } from './ports/logger.js';
import type { TicketSources } from './ports/ticket-source.js';
import { buildSweep, sweepEvidenceKey } from './sweep-container.js';
import { buildTimers } from './timer-container.js';
import type { ActivateLeaseInput, ActivateOutcome } from './use-cases/activate-lease.js';
import type { ProcessOutcome, ProcessTicketInput } from './use-cases/process-ticket.js';
import type { RevokeLeaseInput, RevokeOutcome } from './use-cases/revoke-lease.js';
import type { SweepOptions, SweepSummary } from './use-cases/sweep-leases.js';
import type { OnTimeTargets } from './use-cases/wait-for-moment.js';
import { buildWebhooks } from './webhook-container.js';
export type { PrepareScope } from './composition/prepare.js';
export type { ContainerOverrides, TimerTargets } from './core-container.js';

/*
 * Every part at once, for local mode, the CLI and the tests. The Lambda functions do not import
 * this file: each has its own root (webhook-, timer-, sweep-container.ts, review-container.ts),
 * so that its bundle carries only what that function runs.
 */

/** Everything the handlers need, wired once per cold start (with the AWS timer targets, which wait for their moment). */
export interface Container extends OnTimeTargets {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly leases: LeaseStore;
  readonly tickets: TicketSources;
  readonly processTicket: (input: ProcessTicketInput) => Promise<ProcessOutcome>;
  readonly revokeLease: (input: RevokeLeaseInput) => Promise<RevokeOutcome>;
  readonly activateLease: (input: ActivateLeaseInput) => Promise<ActivateOutcome>;
  readonly sweepLeases: (options?: SweepOptions) => Promise<SweepSummary>;
  /**
   * Starts every read a cold start needs (ITSM credentials, cluster access, and the webhook secrets
   * of `scope.webhooks`) in parallel, once per scope; resolves, never rejects, when all have
   * settled, with what failed in words (empty when everything could be read). Each webhook handler
   * calls it on its first request, handlers during Lambda's init phase, local mode before it starts.
   */
  readonly prepare: (scope?: PrepareScope) => Promise<readonly string[]>;
  /** Webhook handlers of the configured ticket sources. */
  readonly webhooks: Readonly<Partial<Record<TicketSourceName, (request: HttpRequest) => Promise<HttpResponse>>>>;
}

export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const core = buildCore(config, overrides);
  const key = sweepEvidenceKey(core, overrides);
  const grant = buildGrant(core, key);
  const { processTicket, webhooks } = buildWebhooks(core, grant);
  const sweepLeases = buildSweep(core, grant, key);
  const { revokeOnTime, activateOnTime } = buildTimers(core, overrides);
  const { clock, logger, audit, leases, tickets, revokeLease, activateLease, prepare } = core;
  return { config, clock, logger, audit, leases, tickets, processTicket, revokeLease, activateLease, revokeOnTime, activateOnTime, sweepLeases, webhooks, prepare };
}

/**
 * The lease table alone, for read-only tools (CLI listings, `sweep --dry-run`, the report): no
 * catalog, no ticket systems, no clusters are needed or touched.
 */
export function buildLeaseStore(config: StoreConfig, overrides: { readonly dynamodb?: DynamoDBClient } = {}): { readonly leases: LeaseStore; close(): void } {
  const client = overrides.dynamodb ?? (config.dynamodbEndpoint === undefined ? new DynamoDBClient({ region: config.region }) : localDynamoDbClient(config.dynamodbEndpoint));
  return { leases: new DynamoDbLeaseStore(client, config.leasesTable, false), close: () => client.destroy() };
}
