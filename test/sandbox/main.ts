import '../../lib/require-node.js';
import * as z from 'zod';
import { parseEnv } from '../../lib/config.js';
import { sandboxHelp, startSandbox } from './sandbox.js';

/** The sandbox's settings; empty values count as unset, as for local mode's. */
const sandboxSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  LOCAL_DYNAMODB_PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  DATA_DIR: z.string().min(1).default('.sandbox'),
});

/** `npm run sandbox`: local mode against the fakes, kept running until Ctrl-C. */
async function main(): Promise<void> {
  const settings = parseEnv(sandboxSchema, process.env);
  const sandbox = await startSandbox({ dataDir: settings.DATA_DIR, port: settings.PORT, controlPort: settings.SANDBOX_PORT, storePort: settings.LOCAL_DYNAMODB_PORT });
  process.stdout.write(`${sandboxHelp(sandbox)}\n`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('kube-lease sandbox: stopping …\n');
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`kube-lease sandbox: stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === 'EADDRINUSE' ? ' (a port is taken: set PORT, SANDBOX_PORT or LOCAL_DYNAMODB_PORT to a free one, 0 picks one)' : '';
  process.stderr.write(`kube-lease sandbox: ${error instanceof Error ? error.message : String(error)}${hint}\n`);
  process.exit(1);
});
