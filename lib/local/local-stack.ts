import type { Server } from 'node:http';
import { join } from 'node:path';
import { FileEvidenceMac, memoryEvidenceMac } from '../adapters/evidence-mac/file-evidence-mac.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import { buildContainer, type Container } from '../container.js';
import { loadConfig } from '../config.js';
import type { AuditLog } from '../ports/audit-log.js';
import { noMetrics, type Metrics } from '../ports/metrics.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { ConfigError, describeError, KubeLeaseError } from '../errors.js';
import { isTicketSource } from '../domain/ticket.js';
import { ensureLeaseTable } from '../adapters/dynamodb/lease-table.js';
import { localDynamoDbClient, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from './embedded-dynamodb.js';
import { LocalScheduler } from './local-scheduler.js';
import { startLocalServer } from './local-server.js';

export interface LocalStackOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Folder for the embedded DynamoDB; undefined keeps it in memory. Ignored when DYNAMODB_ENDPOINT is set. */
  readonly dataDir: string | undefined;
  readonly port: number;
  /** Port of the embedded DynamoDB endpoint (0: any free one). Ignored when DYNAMODB_ENDPOINT is set. */
  readonly storePort?: number;
  /** How often the local sweep runs (the Lambda one runs every minute). */
  readonly sweepIntervalMs: number;
  readonly logger?: Logger;
  readonly audit?: AuditLog;
  readonly metrics?: Metrics;
}

export interface LocalStack {
  readonly url: string;
  readonly container: Container;
  readonly scheduler: LocalScheduler;
  /** The embedded store, where tools beside local mode (the CLI) reach it; undefined with DYNAMODB_ENDPOINT. */
  readonly store: { readonly endpoint: string; readonly table: string } | undefined;
  /** The key file that seals activity evidence (EVIDENCE_KEY_FILE for the CLI's report); undefined: in memory, or KMS. */
  readonly evidenceKeyFile: string | undefined;
  stop(): Promise<void>;
}

/**
 * Local mode: the same container and handlers as in Lambda, behind a local HTTP server, with an
 * embedded DynamoDB-protocol store and an in-process scheduler in place of EventBridge.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const config = loadConfig(options.env);
  let embedded: EmbeddedDynamoDb | undefined;
  const dynamodb =
    config.dynamodbEndpoint === undefined
      ? (embedded = await startStore(options.dataDir, options.storePort ?? 0)).client
      : localDynamoDbClient(config.dynamodbEndpoint);
  await ensureLeaseTable(dynamodb, config.leasesTable);

  // Evidence is sealed with a key file only its owner reads (created at start when missing) unless KMS is configured.
  const keyFile = config.evidenceKey?.kind === 'file' ? config.evidenceKey.path : config.evidenceKey === undefined && options.dataDir !== undefined ? join(options.dataDir, EVIDENCE_KEY_FILE) : undefined;
  const keyFileMac = keyFile === undefined ? undefined : new FileEvidenceMac(keyFile, { create: true });
  const evidenceMac: EvidenceMac | undefined = keyFileMac ?? (config.evidenceKey === undefined ? memoryEvidenceMac() : undefined);
  await keyFileMac?.ensure().catch(async (error: unknown) => {
    dynamodb.destroy();
    await embedded?.stop();
    throw new ConfigError(`local mode cannot start: ${describeError(error)}`, { cause: error });
  });

  let scheduler: LocalScheduler | undefined;
  const container = buildContainer(config, {
    dynamodb,
    ...(evidenceMac === undefined ? {} : { evidenceMac }),
    secretBackends: {},
    // Local mode has no CloudWatch to read EMF lines: keep the output readable.
    metrics: options.metrics ?? noMetrics,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.audit ? { audit: options.audit } : {}),
    scheduler: (targets) =>
      (scheduler = new LocalScheduler(
        systemClock,
        {
          revoke: (leaseId) => targets.revoke({ leaseId, cause: 'expiry', actor: 'local-scheduler' }),
          activate: (leaseId) => targets.activate({ leaseId, actor: 'local-scheduler' }),
        },
        (leaseId, error) => container.logger.error('lease timer failed; the sweep will retry', { leaseId, error: describeError(error) }),
      )),
  });
  if (scheduler === undefined) throw new KubeLeaseError('local scheduler was not built');
  const localScheduler = scheduler;

  // Anything missing or wrong stops the start: every secret reference, every cluster's access.
  const problems = await container.prepare({ webhooks: Object.keys(container.webhooks).filter(isTicketSource) });
  if (problems.length > 0) {
    dynamodb.destroy();
    await embedded?.stop();
    throw new ConfigError(`local mode cannot start:\n  ${problems.join('\n  ')}`);
  }
  const rearmed = await rearmTimers(container, localScheduler);
  if (rearmed.count > 0) container.logger.info('timers of open leases re-armed', { ...rearmed });

  // One sweep at a time; stop() waits for the running one, so it never meets a closed store.
  let running: Promise<void> | undefined;
  const sweep = setInterval(() => {
    running ??= container
      .sweepLeases()
      .then(() => undefined)
      .catch((error: unknown) => container.logger.error('local sweep failed', { error: describeError(error) }))
      .finally(() => {
        running = undefined;
      });
  }, options.sweepIntervalMs);
  sweep.unref();

  const routes = Object.fromEntries(Object.entries(container.webhooks).map(([source, handler]) => [`/webhooks/${source}`, handler]));
  const { url, server } = await startLocalServer(routes, options.port, config.maxBodyBytes, (message, fields) => container.logger.error(message, fields));
  return {
    url,
    container,
    scheduler: localScheduler,
    store: embedded === undefined ? undefined : { endpoint: embedded.endpoint, table: config.leasesTable },
    evidenceKeyFile: keyFile,
    async stop() {
      clearInterval(sweep);
      localScheduler.stop();
      await running;
      await closeServer(server);
      dynamodb.destroy();
      await embedded?.stop();
    },
  };
}

/** The embedded store, or a clear error when its port is taken. */
async function startStore(dataDir: string | undefined, port: number): Promise<EmbeddedDynamoDb> {
  try {
    return await startEmbeddedDynamoDb(dataDir, port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError(`LOCAL_DYNAMODB_PORT ${port} is in use: set LOCAL_DYNAMODB_PORT to a free port (0 picks one)`, { cause: error });
    }
    throw error;
  }
}

/** The in-process timers are gone after a restart: arm them again for every open lease, so none waits for the sweep. */
async function rearmTimers(container: Container, scheduler: LocalScheduler): Promise<{ count: number; leftToSweep: boolean }> {
  const far = new Date('9999-12-31T00:00:00.000Z');
  let count = 0;
  let leftToSweep = false;
  for (const status of ['ACTIVE', 'SCHEDULED'] as const) {
    // An item that cannot be read gets no timer: the sweep meets it, logs it and counts it.
    const { leases: open } = await container.leases.listDue(status, far, REARM_LIMIT);
    for (const lease of open) await scheduler.schedule(lease);
    count += open.length;
    // More than this: the rest are ended or started by the sweep, at most one sweep interval late.
    if (open.length === REARM_LIMIT) leftToSweep = true;
  }
  return { count, leftToSweep };
}

/** The evidence key file's name under the data folder. */
export const EVIDENCE_KEY_FILE = 'evidence-mac.key';

/** Open leases of one status whose timers local mode re-arms at start. */
const REARM_LIMIT = 1000;

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
