import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import { withAuditLog } from '../support/demo-catalog.js';
import { BREAK_GLASS_REVIEW_CATALOG } from '../support/review-catalog.js';
import { alice, bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';

describe('review after the fact: the activity evidence is added to the review task once', () => {
  let stack: TestStack;

  beforeEach(async () => {
    const auditLog = join(tmpdir(), `kube-lease-review-audit-${randomUUID()}.log`);
    stack = new TestStack();
    stack.kube.auditLogPath = auditLog;
    // With an evidence key: the review task gets only evidence whose seal verifies (review-evidence-seal.test.ts: without one).
    await stack.start({ catalog: withAuditLog(BREAK_GLASS_REVIEW_CATALOG, auditLog, '1m'), evidenceMac: memoryEvidenceMac() });
    stack.jira.extraUsers.push(bob);
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('posts the evidence on the ticket and, in the same sweep, on the review task; later sweeps do not repeat it', async () => {
    // Prepare: a break-glass lease in which alice reads pods.
    stack.jira.createIssue({ key: 'INC-5', reporter: alice, summary: 'INC-5: checkout is down since 02:50', fields: { [PROFILE]: 'break-glass-debug' } });
    const leaseId = String(bodyOf(await stack.deliver(stack.jira.transition('INC-5', 'Break Glass', alice))).leaseId);
    const read = await fetch(`${stack.kube.url()}/api/v1/namespaces/payments/pods`, { headers: { authorization: 'Bearer user:alice@example.com' } });
    expect(read.status).toBe(200);
    await read.text();
    const task = [...stack.jira.issues.keys()].find((k) => k.startsWith('SEC-')) ?? '';
    expect(stack.jira.comments(task)).toEqual([]);
    // Act: the lease ends at its 30 minutes; the evidence is due a minute (the log's delay) later.
    stack.clock.advance(31 * 60_000);
    await stack.container.sweepLeases();
    stack.clock.advance(2 * 60_000);
    await stack.container.sweepLeases();
    stack.clock.advance(2 * 60 * 60_000);
    await stack.container.sweepLeases();
    // Assess
    const lease = await stack.container.leases.get(leaseId);
    expect(lease?.evidence?.postedAt).toBeDefined();
    const onTask = stack.jira.comments(task).filter((c) => c.startsWith('Activity during lease'));
    expect(onTask).toHaveLength(1);
    expect(onTask[0]).toContain(lease?.evidence?.digest ?? 'no digest');
    expect(lease?.review?.evidenceAt).toBeDefined();
    expect(stack.audit.events.filter((e) => e.kind === 'review' && e.reviewTask?.event === 'evidence-added')).toHaveLength(1);
  });
});
