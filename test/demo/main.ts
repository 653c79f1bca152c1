import '../../lib/require-node.js';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { parseEnv } from '../../lib/config.js';
import { startEmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { DEMO_TABLE, runDemo, type DemoResult } from './demo.js';

/** The demo's settings; LOCAL_DYNAMODB_PORT and DATA_DIR matter only with --keep. */
const demoSchema = z.object({
  DEMO_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  LOCAL_DYNAMODB_PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  DATA_DIR: z.string().min(1).default('.sandbox'),
});

function completed(result: DemoResult): boolean {
  return (
    result.lease?.status === 'REVOKED' &&
    result.serviceNowLease?.status === 'REVOKED' &&
    result.serviceNowBindingsBeforeStart === 0 &&
    result.serviceNowBindingsAfterStart > 0 &&
    result.bindingsAfterExpiry.length === 0 &&
    result.bindingsWhileActive.length > 0 &&
    result.execStreamEnded &&
    result.lease.evidence?.postedAt !== undefined &&
    result.serviceNowLease.evidence?.postedAt !== undefined &&
    // Incident access: an on-call and a break-glass grant, each with its binding, both ended; the second break-glass refused.
    result.onCallLease?.approvalKind === 'on-call' &&
    result.onCallLease.status === 'REVOKED' &&
    result.breakGlassLease?.approvalKind === 'break-glass' &&
    result.breakGlassLease.status === 'REVOKED' &&
    result.emergency.bindings.onCall > 0 &&
    result.emergency.bindings.breakGlass > 0 &&
    (result.emergency.secondBreakGlassResponse.body as { code?: string }).code === 'break-glass-limit'
  );
}

/**
 * `npm run demo`: approve → grant → expire → revoke against fake Jira, ServiceNow, PagerDuty and
 * Kubernetes (with an on-call and a break-glass grant), in well under a minute. `npm run demo -- --keep` then keeps serving the demo's lease store (on disk under
 * DATA_DIR/demo-dynamodb, on LOCAL_DYNAMODB_PORT) until Ctrl-C, for the CLI and the report.
 */
async function main(argv: readonly string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--keep');
  if (unknown.length > 0) {
    process.stderr.write(`demo: unknown argument(s) ${unknown.join(' ')}\nusage: npm run demo [-- --keep]\n`);
    return 2;
  }
  const keep = argv.includes('--keep');
  const settings = parseEnv(demoSchema, process.env);
  const storeDir = keep ? resolve(join(settings.DATA_DIR, 'demo-dynamodb')) : undefined;
  if (storeDir !== undefined) await rm(storeDir, { recursive: true, force: true });
  const result = await runDemo({ durationSeconds: settings.DEMO_LEASE_SECONDS, print: (line) => process.stdout.write(`${line}\n`), ...(storeDir === undefined ? {} : { storeDir }) });
  const ok = completed(result);
  process.stdout.write(ok ? '\ndemo: full cycle completed\n' : '\ndemo: the cycle did not complete\n');
  if (storeDir === undefined) return ok ? 0 : 1;

  // The demo's local mode has stopped; its store, on disk, is served again for the CLI alone.
  const store = await startEmbeddedDynamoDb(storeDir, settings.LOCAL_DYNAMODB_PORT);
  const env = `DYNAMODB_ENDPOINT=${store.endpoint} LEASES_TABLE=${DEMO_TABLE}`;
  process.stdout.write(
    [
      '',
      `demo: its lease store stays up (--keep): ${env} (on disk in ${storeDir}, emptied at the next --keep)`,
      `  ${env} npx kube-lease leases list --all`,
      `  ${env} npx kube-lease report --out demo-report.html`,
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  store.client.destroy();
  await store.stop();
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const hint = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (LOCAL_DYNAMODB_PORT is taken: set it to a free port, 0 picks one)' : '';
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}${hint}\n`);
    process.exit(1);
  },
);
