import '../../lib/require-node.js';
import { runDemo } from './demo.js';

/** `npm run demo`: approve → grant → expire → revoke against fake Jira and Kubernetes, in well under a minute. */
const seconds = Number(process.env.DEMO_LEASE_SECONDS ?? 10);
runDemo({ durationSeconds: seconds, print: (line) => process.stdout.write(`${line}\n`) })
  .then((result) => {
    const ok =
      result.lease?.status === 'REVOKED' &&
      result.serviceNowLease?.status === 'REVOKED' &&
      result.serviceNowBindingsBeforeStart === 0 &&
      result.serviceNowBindingsAfterStart > 0 &&
      result.bindingsAfterExpiry.length === 0 &&
      result.bindingsWhileActive.length > 0 &&
      result.execStreamEnded &&
      result.lease.evidence?.postedAt !== undefined &&
      result.serviceNowLease.evidence?.postedAt !== undefined;
    process.stdout.write(ok ? '\ndemo: full cycle completed\n' : '\ndemo: the cycle did not complete\n');
    process.exit(ok ? 0 : 1);
  })
  .catch((error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
