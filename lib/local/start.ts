import '../require-node.js';
import { startLocalStack } from './local-stack.js';
import { consoleLogger } from './console-logger.js';
import { ConfigError } from '../errors.js';

/**
 * `npm start`: local mode on PORT (default 3000), configured by the same environment variables as
 * the Lambda functions (see README). Data persists under DATA_DIR (default .local-data).
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`PORT must be a port number, got "${process.env.PORT}"`);
  const stack = await startLocalStack({
    env: process.env,
    dataDir: process.env.DATA_DIR ?? '.local-data',
    port,
    sweepIntervalMs: Number(process.env.LOCAL_SWEEP_INTERVAL_MS ?? 10_000),
    logger: consoleLogger(),
  });
  // The routes actually served: one webhook per ticket source the catalog and environment configure.
  const routes = [...Object.keys(stack.container.webhooks).map((source) => `POST /webhooks/${source}`), 'GET /healthz'];
  process.stderr.write(`kube-lease local mode on ${stack.url} (${routes.join(', ')})\n`);
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
