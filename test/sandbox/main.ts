import '../../lib/require-node.js';
import * as z from 'zod';
import { parseEnv } from '../../lib/config.js';
import { startSandbox, type Sandbox } from './sandbox.js';

/** The sandbox's settings; empty values count as unset, as for local mode's. */
const sandboxSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  LOCAL_DYNAMODB_PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  DATA_DIR: z.string().min(1).default('.sandbox'),
});

/** What to paste: approve tickets, then read the store with the CLI and the report. */
export function sandboxHelp(s: Sandbox): string {
  const env = `DYNAMODB_ENDPOINT=${s.store.endpoint}`;
  return [
    `kube-lease sandbox: local mode on ${s.localUrl}, against a fake Jira (${s.fakes.jira}), a fake ServiceNow (${s.fakes.servicenow})`,
    `and a fake Kubernetes API server (${s.fakes.kubernetes}); nothing leaves this machine.`,
    `lease store: ${env} LEASES_TABLE=${s.store.table} (on disk in ${s.store.dir}, emptied at the next start)`,
    '',
    'Approve a Jira ticket (alice asks, bob approves): a RoleBinding for 30 minutes in the fake cluster',
    `  curl -s -X POST '${s.controlUrl}/approve?profile=payments-read&duration=30m'`,
    'A ServiceNow change, a short one (revoked at expiry by the local timer), and a self-approval (denied):',
    `  curl -s -X POST '${s.controlUrl}/approve?source=servicenow&profile=payments-debug&duration=2m'`,
    `  curl -s -X POST '${s.controlUrl}/approve?approver=alice'`,
    '',
    'Read the store (in another terminal, while the sandbox runs):',
    `  ${env} npx kube-lease leases list --all`,
    `  ${env} npx kube-lease report --out sandbox-report.html     # the 30 days up to now; .csv or .json for those formats`,
    `  ${env} npx kube-lease sweep --dry-run`,
    '',
    'Ctrl-C stops the sandbox.',
  ].join('\n');
}

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
