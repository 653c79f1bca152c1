import { buildContainer, buildLeaseStore, type Container } from '../container.js';
import { loadConfig, loadStoreConfig } from '../config.js';
import { JsonAuditLog } from '../adapters/audit/json-audit-log.js';
import { consoleLogger } from '../adapters/logging/console-logger.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseScheduler } from '../ports/lease-scheduler.js';
import type { LeaseStore } from '../ports/lease-store.js';
import { noMetrics } from '../ports/metrics.js';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Builds the whole container (commands that change something); by default from `env`. */
  readonly container?: () => Container;
  /** Opens the lease table alone (read-only commands); by default from `env`'s table settings. */
  readonly store?: () => { readonly leases: LeaseStore; readonly clock: Clock; readonly pendingGraceSeconds: number };
}

/**
 * The CLI's composition root. Read-only commands open the table alone (AWS_REGION, LEASES_TABLE,
 * DYNAMODB_ENDPOINT); commands that act build the whole container. Either way stdout carries only
 * the command's output: log lines (warnings and errors) and audit events go to stderr, metrics
 * nowhere (an operator's terminal has no CloudWatch to read them).
 */
export function cliContext(io: CliIo) {
  return {
    store: io.store ?? (io.container === undefined ? () => storeFromEnv(io.env) : ((built: () => Container) => () => fromContainer(built()))(io.container)),
    container:
      io.container ??
      (() => {
        const config = loadConfig(io.env);
        const write = (line: string) => io.err(`${line}\n`);
        return buildContainer(config, {
          logger: consoleLogger({ quiet: true, write }),
          audit: new JsonAuditLog(write),
          metrics: noMetrics,
          // Against local mode's store (on this machine) the timers belong to the running local
          // server (its timer finds an ended lease and does nothing); the CLI must not reach for AWS.
          // Any other endpoint (a VPC or FIPS endpoint of DynamoDB) is AWS: its timers are EventBridge's.
          ...(isLocalStore(config.dynamodbEndpoint) ? { scheduler: () => LEAVE_TIMERS_TO_LOCAL_SERVER } : {}),
        });
      }),
  };
}

/** A DynamoDB endpoint on this machine: local mode's embedded store. */
export function isLocalStore(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

const LEAVE_TIMERS_TO_LOCAL_SERVER: LeaseScheduler = { schedule: () => Promise.resolve(), cancel: () => Promise.resolve() };

function fromContainer(c: Container) {
  return { leases: c.leases, clock: c.clock, pendingGraceSeconds: c.config.pendingGraceSeconds };
}

function storeFromEnv(env: NodeJS.ProcessEnv) {
  const config = loadStoreConfig(env);
  const { leases } = buildLeaseStore(config);
  return { leases, clock: { now: () => new Date() }, pendingGraceSeconds: config.pendingGraceSeconds };
}
