import '../require-node.js';
import { startLocalStack } from './local-stack.js';
import { consoleLogger } from '../adapters/logging/console-logger.js';
import * as z from 'zod';
import { parseEnv } from '../config.js';

/** Local mode's own settings; empty values count as unset, as for the functions' settings. */
const localSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  DATA_DIR: z.string().min(1).default('.local-data'),
  LOCAL_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  LOCAL_DYNAMODB_PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
});

/**
 * `npm start`: local mode on PORT (default 3000), configured by the same environment variables as
 * the Lambda functions (docs/configuration.md). Data persists under DATA_DIR (default .local-data); the
 * embedded store listens on LOCAL_DYNAMODB_PORT (default 8000), where the CLI can reach it.
 */
async function main(): Promise<void> {
  const local = parseEnv(localSchema, process.env);
  const stack = await startLocalStack({
    env: process.env,
    dataDir: local.DATA_DIR,
    port: local.PORT,
    storePort: local.LOCAL_DYNAMODB_PORT,
    sweepIntervalMs: local.LOCAL_SWEEP_INTERVAL_MS,
    logger: consoleLogger(),
  });
  // The routes actually served: one webhook per ticket source the catalog and environment configure.
  const routes = [...Object.keys(stack.container.webhooks).map((source) => `POST /webhooks/${source}`), 'GET /healthz'];
  process.stderr.write(`kube-lease local mode on ${stack.url} (${routes.join(', ')})\n`);
  if (stack.store !== undefined) {
    process.stderr.write(`lease store for the CLI: DYNAMODB_ENDPOINT=${stack.store.endpoint} LEASES_TABLE=${stack.store.table} npx kube-lease leases list\n`);
    if (stack.evidenceKeyFile !== undefined) process.stderr.write(`evidence key for the report: EVIDENCE_KEY_FILE=${stack.evidenceKeyFile}\n`);
  }
  const shutdown = () => {
    void stack.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`kube-lease: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
