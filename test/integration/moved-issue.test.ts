import { afterEach, describe, expect, it } from '@jest/globals';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { runCli } from '../../lib/cli/operator.js';
import type { AccessReport } from '../../lib/domain/access-report.js';
import { bindingManifest, type Lease } from '../../lib/domain/lease.js';
import { bindingName, leaseIdFor, scheduleName } from '../../lib/domain/names.js';
import { bob, bodyOf, TestStack } from '../support/stack.js';

const PROFILE = 'customfield_10100';
const TABLE = 'leases-test';

/**
 * Jira's *Move issue* gives an issue a new key and keeps its id. Leases are filed under the id:
 * the close under the new key revokes them, the same approval never makes a second lease, and the
 * CLI and the report show them under the key the issue has now.
 */
describe('a moved Jira issue keeps its leases', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  const cli = async (...argv: string[]): Promise<string> => {
    const out: string[] = [];
    const code = await runCli(argv, { env: { USER: 'ops-alice' }, out: (t) => out.push(t), err: () => undefined, container: () => stack.container });
    expect(code).toBe(0);
    return out.join('');
  };

  it('revokes the lease when the issue, moved after the grant, closes under its new key', async () => {
    // Prepare: a grant, then Move issue (OPS → SEC); the move's own event is no status change.
    stack = await new TestStack().start();
    stack.ticket('OPS-60', { [PROFILE]: 'payments-read' });
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-60', 'Approved', bob)));
    expect(granted.outcome).toBe('granted');
    expect(stack.kube.bindings.size).toBeGreaterThan(0);
    const moved = bodyOf(await stack.deliver(stack.jira.move('OPS-60', 'SEC', bob)));
    expect(moved.outcome).toBe('ignored');
    const newKey = stack.jira.issue('OPS-60').key;
    expect(newKey).toBe('SEC-1');
    // Act
    const closed = bodyOf(await stack.deliver(stack.jira.transition(newKey, 'Done', bob)));
    // Assess: revoked, bindings gone, and the lease shows the key the issue has now.
    expect(closed).toEqual({ outcome: 'closed', revoked: [granted.leaseId] });
    expect(stack.kube.bindings.size).toBe(0);
    expect(await stack.container.leases.get(String(granted.leaseId))).toMatchObject({ status: 'REVOKED', revokeCause: 'early', ticketKey: 'SEC-1' });
    expect(stack.jira.comments('SEC-1').at(-1)).toContain('Access revoked');
    // The CLI finds it by the new key and by the old one, and shows the new key.
    // A key as a person types it (any case), or the issue's id.
    for (const key of ['SEC-1', 'OPS-60', 'sec-1', stack.jira.issue('SEC-1').id]) {
      const listed = JSON.parse(await cli('leases', 'list', '--ticket', key, '--json')) as Lease[];
      expect(listed.map((l) => [l.id, l.ticketKey, l.status])).toEqual([[granted.leaseId, 'SEC-1', 'REVOKED']]);
    }
    expect(await cli('leases', 'show', String(granted.leaseId))).toMatch(new RegExp(`ticket\\s+jira SEC-1 \\(id ${stack.jira.issue('SEC-1').id}\\) \\S+/browse/SEC-1`));
    // The report shows it under the new key.
    const day = (offset: number) => new Date(stack.clock.now().getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    const out: string[] = [];
    const env = { DYNAMODB_ENDPOINT: stack.dynamoEndpoint(), LEASES_TABLE: TABLE, AWS_REGION: 'eu-west-1' };
    expect(await runCli(['report', '--from', day(-1), '--to', day(1), '--json'], { env, out: (t) => out.push(t), err: () => undefined })).toBe(0);
    const report = JSON.parse(out.join('')) as AccessReport;
    expect(report.leases.map((l) => [l.leaseId, l.ticketKey])).toEqual([[granted.leaseId, 'SEC-1']]);
  });

  it('never makes a second lease from the same approval after a move', async () => {
    // Prepare
    stack = await new TestStack().start();
    stack.ticket('OPS-61', { [PROFILE]: 'payments-read' });
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-61', 'Approved', bob)));
    const bindings = stack.kube.bindings.size;
    stack.jira.move('OPS-61', 'SEC', bob);
    // Act: the ticket is processed again under its new key, and under its old one (Jira answers it).
    const again = await stack.container.processTicket({ source: 'jira', ticketKey: 'SEC-1', actor: 'test' });
    const old = await stack.container.processTicket({ source: 'jira', ticketKey: 'OPS-61', actor: 'test' });
    // Assess
    expect(again).toMatchObject({ kind: 'duplicate', lease: { id: granted.leaseId } });
    expect(old).toMatchObject({ kind: 'duplicate', lease: { id: granted.leaseId } });
    expect(stack.kube.bindings.size).toBe(bindings);
    const listed = JSON.parse(await cli('leases', 'list', '--ticket', 'OPS-61', '--all', '--json')) as Lease[];
    expect(listed.map((l) => l.id)).toEqual([granted.leaseId]);
  });

  it('adds no round trip to the grant: its lease-index reads run beside the delivery claim, the keyed-denial read beside the create', async () => {
    // Prepare: every DynamoDB call takes 40 ms, and is recorded with its start and end.
    stack = await new TestStack().start();
    const calls: { name: string; pk: string; start: number; end: number }[] = [];
    stack.dynamoClient().middlewareStack.add(
      (next, context) => async (args) => {
        const start = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 40));
        const result = await next(args);
        const input = (args.input ?? {}) as { Item?: { pk?: unknown }; Key?: { pk?: unknown } };
        const pk = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && 'S' in v ? String(v.S) : undefined);
        calls.push({ name: String(context.commandName), pk: pk(input.Item?.pk) ?? pk(input.Key?.pk) ?? '', start, end: performance.now() });
        return result;
      },
      { step: 'initialize', name: 'timeEachCall' },
    );
    stack.ticket('OPS-63', { [PROFILE]: 'payments-read' });
    // Act
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-63', 'Approved', bob)));
    // Assess: the two index queries (id, key) start before the claim ends; the create, its
    // ticket-key record and the keyed-denial read overlap one another.
    expect(granted.outcome).toBe('granted');
    const claim = calls.find((c) => c.pk.startsWith('delivery#'));
    const queries = calls.filter((c) => c.name === 'QueryCommand');
    expect(queries).toHaveLength(2);
    for (const q of queries) expect(q.start).toBeLessThan(claim?.end ?? 0);
    const create = calls.find((c) => c.name === 'PutItemCommand' && c.pk === `lease#${String(granted.leaseId)}`);
    // (The close mark's read, lease#close#…, runs after the create, beside the bindings: the close-during-grant check.)
    const beside = calls.filter((c) => c.pk.startsWith('ticketkey#') || (c.name === 'GetItemCommand' && c.pk.startsWith('lease#') && !c.pk.startsWith('lease#close#') && c.pk !== `lease#${String(granted.leaseId)}`));
    expect(beside).toHaveLength(2);
    for (const c of beside) expect(c.start).toBeLessThan(create?.end ?? 0);
  });

  it('finds a lease recorded before leases were filed by id (old item shape), and migrates it when it revokes it', async () => {
    // Prepare: what an earlier version left: a lease whose id came from the ticket key, filed in the
    // ticket index under `jira#<key>`, without the ticket id, and its bindings.
    stack = await new TestStack().start();
    stack.ticket('OPS-62', { [PROFILE]: 'payments-read' });
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-62', 'Approved', bob)));
    const current = await stack.container.leases.get(String(granted.leaseId));
    if (current === undefined) throw new Error('no lease');
    const approvalId = current.approvals[0] ?? '';
    const legacyId = leaseIdFor(`jira#OPS-62#${approvalId}`);
    const shape: Record<string, unknown> = { ...current };
    delete shape.ticketId;
    const legacy = {
      ...(shape as unknown as Lease),
      id: legacyId,
      idempotencyKey: `jira#OPS-62#${approvalId}`,
      bindings: current.bindings.map((b) => ({ namespace: b.namespace, name: bindingName(current.profile, legacyId) })),
      scheduleName: scheduleName('kube-lease-test', legacyId),
    };
    const doc = DynamoDBDocumentClient.from(stack.dynamoClient());
    for (const b of current.bindings) stack.kube.bindings.delete(`${b.namespace}/${b.name}`);
    await doc.send(new DeleteCommand({ TableName: TABLE, Key: { pk: `lease#${current.id}` } }));
    await doc.send(new DeleteCommand({ TableName: TABLE, Key: { pk: 'ticketkey#jira#OPS-62' } }));
    const oldItem = { ...legacy, pk: `lease#${legacyId}`, ticketRef: 'jira#OPS-62', requesterRef: 'alice@example.com', dueAt: legacy.expiresAt };
    await doc.send(new PutCommand({ TableName: TABLE, Item: JSON.parse(JSON.stringify(oldItem)) as Record<string, unknown> }));
    for (const b of legacy.bindings) {
      const { metadata, roleRef, subjects } = bindingManifest(legacy, b);
      const meta = { ...metadata, labels: { ...metadata.labels }, annotations: { ...metadata.annotations }, uid: `uid-${b.name}`, resourceVersion: '1', creationTimestamp: stack.clock.now().toISOString() };
      stack.kube.bindings.set(`${b.namespace}/${b.name}`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta, roleRef: { ...roleRef }, subjects: subjects.map((x) => ({ ...x })) });
    }
    const bindings = stack.kube.bindings.size;

    // Act 1: found by its key; the same approval processed again is that lease, never a second one.
    const byKey = (await stack.container.leases.listForTicket('jira', 'OPS-62')).leases;
    const again = await stack.container.processTicket({ source: 'jira', ticketKey: 'OPS-62', actor: 'test' });
    // Assess 1
    expect(byKey.map((l) => l.id)).toEqual([legacyId]);
    expect(again).toMatchObject({ kind: 'duplicate', lease: { id: legacyId } });
    expect(stack.kube.bindings.size).toBe(bindings);

    // Act 2: Move issue, then close under the new key: the changelog's Key item names the old key.
    stack.jira.move('OPS-62', 'SEC', bob);
    const closed = bodyOf(await stack.deliver(stack.jira.transition('SEC-1', 'Done', bob)));
    // Assess 2: revoked, its bindings gone, and now filed under the id and shown with the new key.
    expect(closed).toEqual({ outcome: 'closed', revoked: [legacyId] });
    expect(stack.kube.bindings.size).toBe(0);
    const revoked = await stack.container.leases.get(legacyId);
    expect(revoked).toMatchObject({ status: 'REVOKED', ticketId: stack.jira.issue('SEC-1').id, ticketKey: 'SEC-1' });
    for (const key of ['SEC-1', 'OPS-62']) expect((await stack.container.leases.listForTicket('jira', key)).leases.map((l) => l.id)).toEqual([legacyId]);
  });
});
