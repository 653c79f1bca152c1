import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { leaseKey } from '../../lib/adapters/dynamodb/lease-item.js';
import { evidenceMessage } from '../../lib/domain/activity-messages.js';
import { grantedMessage } from '../../lib/domain/messages.js';
import { owedRevokeComment } from '../../lib/domain/owed-comments.js';
import { NOT_OUR_WORDS } from '../../lib/domain/own-words.js';
import { ClusterError, LeaseStoreError, publicReasons, TicketSourceError } from '../../lib/errors.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { leaseFixture } from '../support/lease-fixture.js';

/*
 * Issue 23 (insiders): a table writer (code holding one of kube-lease's DynamoDB write roles) edits
 * the stored fields an owed comment or the evidence is built from. Names and times not as kube-lease
 * writes them make the item unreadable; error texts not its own read as a fixed phrase; text from
 * outside reads as one line. No comment built from the item carries a line the writer wrote.
 */
let dynamo: EmbeddedDynamoDb;
let tables = 0;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

const FORGED = 'Verified: the API server confirms that nobody can do anything.\nApproved by the CISO';
const REVOKED_AT = '2026-01-01T00:30:00.000Z';

/** A REVOKED lease owing its revoke comment, as kube-lease stores it, then `fields` set as a table writer sets them. */
async function stored(fields: Record<string, unknown>) {
  tables += 1;
  const table = `stored-text-${tables}`;
  await ensureLeaseTable(dynamo.client, table);
  const leases = new DynamoDbLeaseStore(dynamo.client, table);
  const id = `a${String(tables).padStart(19, '0')}`;
  await leases.create({
    ...leaseFixture(id, '2026-01-01T01:00:00.000Z', 'REVOKED'),
    revokedAt: REVOKED_AT,
    revokeCause: 'early',
    revokeNote: { untouched: [], evidence: false },
    announceAt: '2026-01-01T00:31:00.000Z',
  });
  const names = Object.fromEntries(Object.keys(fields).map((k, i) => [`#f${i}`, k]));
  const values = Object.fromEntries(Object.values(fields).map((v, i) => [`:f${i}`, v]));
  const sets = Object.keys(fields).map((_, i) => `#f${i} = :f${i}`).join(', ');
  if (sets !== '') await DynamoDBDocumentClient.from(dynamo.client).send(new UpdateCommand({ TableName: table, Key: { pk: leaseKey(id) }, UpdateExpression: `SET ${sets}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values }));
  return { read: () => leases.get(id), id };
}

/** A stream as the revoke records it, and a pod it ended. */
const exec = { kind: 'exec', namespace: 'payments', pod: 'api-7d4b9-x2x', container: 'app', command: 'ls -la', at: '2026-01-01T00:10:00.123456Z', allowed: true };
const evictedPod = { namespace: 'payments', pod: 'api-7d4b9-x2x', outcome: 'evicted', controller: 'ReplicaSet api-7d4b9' };
const sessions = (over: Record<string, unknown> = {}) => ({ at: REVOKED_AT, seen: [exec], pods: [evictedPod], ...over });
const revokeReview = (over: Record<string, unknown> = {}) => ({ revoked: { at: REVOKED_AT, answers: [{ namespace: 'payments', allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "view"' }], ...over } });

/** Lines of `text` that begin as only kube-lease's own lines may. */
const forgedLines = (text: string | undefined) => (text ?? '').split('\n').filter((line) => /^(Verified|Approved)/.test(line));

describe('names and times a table writer stores that kube-lease never writes: the item is unreadable (DynamoDB, dynalite)', () => {
  it.each([
    ['id', { id: 'a0000000000000000001).\nVerified: yes' }],
    ['cluster', { cluster: 'demo\nApproved by the CISO' }],
    ['accessCheck', { accessCheck: { verb: 'get pods.\nVerified: yes', resource: 'pods', group: '' } }],
    ['namespaces', { namespaces: ['payments, everything'] }],
    ['bindings', { bindings: [{ namespace: 'payments', name: 'kl-x\nVerified: yes' }] }],
    ['roleRef', { roleRef: { kind: 'ClusterRole', name: 'view/../admin' } }],
    ['subject', { subject: { kind: 'User', name: 'alice@example.com\nApproved by the CISO' } }],
    ['expiresAt', { expiresAt: '2026-01-01T01:00:00Z' }],
    ['revokedAt', { revokedAt: 'right after the CISO approved it' }],
    ['history', { history: [{ at: 'now', from: null, to: 'REVOKED', by: 'test' }] }],
    ['verification (other leases)', { verification: revokeReview({ answers: [{ namespace: 'payments', allowed: true, otherLeases: ['approved by the CISO'] }] }) }],
    ['sessions (time)', { sessions: sessions({ at: '2026-01-01 00:30' }) }],
  ])('refuses an item whose %s is not as kube-lease writes it, with a LeaseStoreError', async (_what, fields) => {
    // Prepare
    const { read, id } = await stored(fields);
    // Act
    const reading = read();
    // Assess
    await expect(reading).rejects.toBeInstanceOf(LeaseStoreError);
    await expect(reading).rejects.toThrow(`lease item ${id} does not match the lease schema`);
  });
});

describe('error texts and outside text a table writer stores: the comments built from the item say none of its lines (DynamoDB, dynalite)', () => {
  it('reads an access review\'s error that is not kube-lease\'s phrase as a fixed phrase, and its reason as one quoted line', async () => {
    // Prepare
    const { read } = await stored({ verification: revokeReview({ error: `the cluster was unavailable).\n${FORGED}` }) });
    const { read: reasoned } = await stored({ verification: revokeReview({ answers: [{ namespace: 'payments', allowed: true, reason: `x"). ${FORGED}` }] }) });
    // Act
    const [lease, other] = [await read(), await reasoned()];
    const [comment, second] = [lease && owedRevokeComment(lease), other && owedRevokeComment(other)];
    // Assess
    expect(lease?.verification?.revoked?.error).toBe(NOT_OUR_WORDS);
    expect(comment).toContain(`could not be asked whether User alice@example.com can still get pods (${NOT_OUR_WORDS}).`);
    expect(second).toContain('(standing access: "x\\"). Verified: the API server confirms that nobody can do anything. Approved by the CISO")');
    expect([forgedLines(comment), forgedLines(second)]).toEqual([[], []]);
  });

  it('reads the sessions\' errors, a command and a pod\'s reason as kube-lease\'s phrases or one line', async () => {
    // Prepare
    const { read: failed } = await stored({ sessions: sessions({ seen: [], pods: [], error: `the cluster was unavailable.\n${FORGED}`, unreadable: { error: FORGED } }) });
    const { read: listed } = await stored({ sessions: sessions({ seen: [{ ...exec, command: `ls" ended.\n${FORGED}` }], pods: [{ namespace: 'payments', pod: 'api-7d4b9-x2x', outcome: 'evicted', why: `gone.\n${FORGED}` }] }) });
    // Act
    const [one, two] = [await failed(), await listed()];
    const [first, second] = [one && owedRevokeComment(one), two && owedRevokeComment(two)];
    // Assess
    expect(first).toContain(`Open sessions: unknown: ${NOT_OUR_WORDS}.`);
    expect(first).toContain(`events it cut off (${NOT_OUR_WORDS})`);
    expect(second).toContain('- exec into payments/api-7d4b9-x2x (container app): "ls\\" ended. Verified: the API server');
    expect(second).toContain('Ended: pod payments/api-7d4b9-x2x evicted (gone. Verified: the API server');
    expect([forgedLines(first), forgedLines(second)]).toEqual([[], []]);
  });

  it('reads the audit log\'s names in the sessions (a pod, a controller) as one line each: a name the log carries never makes the lease unreadable', async () => {
    // Prepare
    const { read } = await stored({ sessions: sessions({ seen: [{ ...exec, pod: `api\n${FORGED}` }], pods: [{ ...evictedPod, controller: `ReplicaSet api\n${FORGED}` }] }) });
    // Act
    const lease = await read();
    const comment = lease && owedRevokeComment(lease);
    // Assess
    expect(comment).toContain('- exec into payments/api Verified: the API server');
    expect(comment).toContain('(its controller ReplicaSet api Verified: the API server');
    expect(forgedLines(comment)).toEqual([]);
  });

  it('reads the evidence\'s error, findings and subject as kube-lease\'s phrase or one line', async () => {
    // Prepare: evidence that could not be collected, and collected evidence with findings.
    const window = { collectedAt: '2026-01-01T01:10:00.000Z', from: '2026-01-01T00:00:00.000Z', to: REVOKED_AT, events: 0 };
    const summary = { requests: 0, byRequest: [], sessions: [], secretsRead: [], denied: [], omitted: 0 };
    const { read: failed } = await stored({ evidence: { ...window, error: `the audit log was read.\n${FORGED}` } });
    const { read: found } = await stored({ evidence: { ...window, summary, digest: 'sha256:0', findings: [`none.\n${FORGED}`], subject: { kind: 'User', name: `bob\n${FORGED}` } } });
    // Act
    const [one, two] = [await failed(), await found()];
    const [first, second] = [one?.evidence && evidenceMessage(one, one.evidence, 300), two?.evidence && evidenceMessage(two, two.evidence, 300)];
    // Assess
    expect(first).toContain(`could not be collected: ${NOT_OUR_WORDS}.`);
    expect(second).toContain('- none. Verified: the API server');
    expect([forgedLines(first), forgedLines(second)]).toEqual([[], []]);
  });

  it('reads approvers, a failure reason and the on-call schedule\'s name as one line each (quoted where they are PagerDuty\'s words)', async () => {
    // Prepare
    const onCall = { userId: 'PU1', userEmail: 'alice@example.com', via: { type: 'schedule', id: 'PS1', name: `Primary"\n${FORGED}` }, checkedAt: '2026-01-01T00:00:00.000Z' };
    const { read: person } = await stored({ status: 'ACTIVE', approvers: [{ id: 'b', email: `bob@example.com\n${FORGED}` }], failureReason: `denied.\n${FORGED}` });
    const { read: onCallLease } = await stored({ status: 'ACTIVE', approvalKind: 'on-call', onCall });
    // Act
    const [one, two] = [await person(), await onCallLease()];
    const [first, second] = [one && grantedMessage(one), two && grantedMessage(two)];
    // Assess
    expect(second).toContain('schedule PS1 "Primary\\" Verified: the API server');
    expect(one?.failureReason).toBe('denied. Verified: the API server confirms that nobody can do anything. Approved by the CISO');
    expect(forgedLines(first)).toEqual(['Approved by (person): bob@example.com Verified: the API server confirms that nobody can do anything. Approved by the CISO']);
    expect(forgedLines(second)).toEqual([expect.stringMatching(/^Approved \(on-call\): the requester was on call per PagerDuty/)]);
  });
});

describe('an item as kube-lease stored it stays readable, as it was (DynamoDB, dynalite)', () => {
  it('keeps its own phrases (joined too), the API server\'s reason, a command, a PodDisruptionBudget\'s reason and an audit time', async () => {
    // Prepare: texts kube-lease writes (publicReason(s), reviewFailure, commandText, the eviction's refusal).
    const joined = publicReasons([new ClusterError('x', 503, { retryable: true }), new TicketSourceError('x', 500)]);
    const pdb = 'a PodDisruptionBudget forbids evicting it now (Cannot evict pod as it would violate the pod\'s disruption budget.)';
    const fields = {
      verification: revokeReview(),
      sessions: sessions({ unreadable: { error: joined }, pods: [{ namespace: 'payments', pod: 'api-0', outcome: 'kept', why: pdb }] }),
      evidence: { collectedAt: '2026-01-01T01:10:00.000Z', from: '2026-01-01T00:00:00.000Z', to: REVOKED_AT, events: 0, error: 'the cluster\'s audit log is no longer configured' },
    };
    const { read } = await stored(fields);
    const { read: unasked } = await stored({ verification: revokeReview({ answers: [], error: 'kube-lease may not ask it (403): apply the RBAC that npm run rbac prints' }) });
    // Act
    const [lease, other] = [await read(), await unasked()];
    // Assess
    expect(joined).toBe('the cluster was unavailable; the ticketing system\'s API failed');
    expect([lease?.verification, lease?.sessions, lease?.evidence]).toEqual([fields.verification, fields.sessions, fields.evidence]);
    expect(other?.verification?.revoked?.error).toBe('kube-lease may not ask it (403): apply the RBAC that npm run rbac prints');
    expect(lease && owedRevokeComment(lease)).toContain('- exec into payments/api-7d4b9-x2x (container app): "ls -la", at 2026-01-01T00:10:00.123456Z');
  });
});
