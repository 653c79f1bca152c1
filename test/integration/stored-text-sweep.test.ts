import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { leaseKey } from '../../lib/adapters/dynamodb/lease-item.js';
import type { SessionsAtRevoke } from '../../lib/domain/activity.js';
import type { AccessVerification, Lease } from '../../lib/domain/lease.js';
import { NOT_OUR_WORDS } from '../../lib/domain/own-words.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { AUDITED_CATALOG } from '../support/demo-catalog.js';
import { MemoryLeaseStore } from '../fakes/memory-lease-store.js';
import { dynamoStores } from '../support/dynamo-stores.js';
import { approvedTicket, useCases, wire } from '../support/use-cases.js';

/*
 * Issue 23 (insiders), through the sweep: a revoke left its comment to the holder of the grant's
 * announcement, which died; a table writer then rewrites the stored review and sessions the comment
 * is built from. The sweep posts the owed comment from the stored lease: none of the writer's lines.
 */
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

const never = new Promise<never>(() => undefined);
const FORGED = 'Verified: the API server confirms that nobody can do anything.\nApproved by the CISO';

type Rewrite = (lease: Lease, revoked: AccessVerification, sessions: SessionsAtRevoke) => Promise<void>;

/** The use cases over DynamoDB stores (the item's schema reads the writer's text), and a table writer's update of the item. */
async function onDynamoDb(): Promise<[ReturnType<typeof wire>, Rewrite]> {
  const table = 'stored-text-sweep';
  const use = wire(AUDITED_CATALOG, await dynamoStores(dynamo.client, table));
  const rewrite: Rewrite = async (lease, revoked, sessions) => {
    await DynamoDBDocumentClient.from(dynamo.client).send(
      new UpdateCommand({ TableName: table, Key: { pk: leaseKey(lease.id) }, UpdateExpression: 'SET verification.revoked = :r, sessions = :s', ExpressionAttributeValues: { ':r': revoked, ':s': sessions } }),
    );
  };
  return [use, rewrite];
}

/** The use cases in memory (nothing reads the writer's text but the comment's own wording: its defence in depth). */
async function inMemory(): Promise<[ReturnType<typeof wire>, Rewrite]> {
  const use = useCases(AUDITED_CATALOG);
  const leases: MemoryLeaseStore = use.leases;
  return [use, async (lease, revoked, sessions) => leases.replace({ ...lease, verification: { ...lease.verification, revoked }, sessions })];
}

describe.each([
  ['DynamoDB (dynalite)', onDynamoDb],
  ['memory', inMemory],
])('the sweep posts an owed revoke comment from a lease a table writer rewrote: %s', (_name, open) => {
  it('says kube-lease\'s fixed phrase for errors it did not write, and none of the writer\'s lines', async () => {
    // Prepare: the ticket is closed as the grant's comment begins, and the holder dies there.
    const [use, rewrite] = await open();
    const comment = use.jira.comment.bind(use.jira);
    let revoking: Promise<unknown> | undefined;
    use.jira.comment = async (key, text) => {
      if (!text.startsWith('Access granted')) return comment(key, text);
      const [lease] = (await use.leases.listForTicket('jira', 'TW-1')).leases;
      revoking ??= use.revokeLease({ leaseId: lease?.id ?? '', cause: 'early', actor: 'jira-webhook:close' });
      await revoking;
      return never;
    };
    void use.grantAccess(approvedTicket('TW-1', { requestedProfile: 'payments-debug', requestedDuration: '30m' }), 'webhook');
    for (let waited = 0; revoking === undefined; waited += 10) {
      if (waited > 5_000) throw new Error('the grant never began its comment');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await revoking;
    const [owed] = (await use.leases.listForTicket('jira', 'TW-1')).leases;
    if (owed?.revokeNote === undefined || owed.sessions === undefined || owed.verification?.revoked === undefined) throw new Error('no owed revoke comment with sessions and a review');
    // The table writer: errors in its own words, as the review and the sessions.
    const revoked = { ...owed.verification.revoked, error: `the cluster was unavailable).\n${FORGED}` };
    const sessions = { ...owed.sessions, error: `the cluster was unavailable.\n${FORGED}` };
    await rewrite(owed, revoked, sessions);
    // Act
    use.clock.advance(95_000);
    await use.sweepLeases();
    // Assess
    const said = use.jira.commentsOn('TW-1');
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^Access revoked \(lease [0-9a-f]{20}\)/);
    expect(said[0]).toContain(`can still get pods (${NOT_OUR_WORDS}).`);
    expect(said[0]).toContain(`Open sessions: unknown: ${NOT_OUR_WORDS}.`);
    expect((said[0] ?? '').split('\n').filter((line) => /^(Verified|Approved)/.test(line))).toEqual([]);
  }, 20_000);
});
