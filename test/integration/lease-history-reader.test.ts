import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { makeLeaseHistoryReader } from '../../lib/adapters/dynamodb/lease-history-reader.js';
import { ensureLeaseTable } from '../../lib/adapters/dynamodb/lease-table.js';
import { localDynamoDbClient, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { EXAMPLE_PERIOD, exampleDenials, exampleLeases } from '../support/access-report-example.js';
import { seedLeaseTable } from '../support/seed-lease-table.js';

describe('makeLeaseHistoryReader (dynalite)', () => {
  let dynamo: EmbeddedDynamoDb;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamoDb(undefined);
    await seedLeaseTable(dynamo.client, 'leases', exampleLeases(), exampleDenials());
  });
  afterAll(async () => {
    dynamo.client.destroy();
    await dynamo.stop();
  });

  it('reads every lease that overlapped the period, as stored, and skips claims, deliveries and places', async () => {
    // Prepare
    const history = makeLeaseHistoryReader({ client: dynamo.client, tableName: 'leases' });
    const expected = exampleLeases().filter((l) => !['OPS-1187', 'OPS-1150'].includes(l.ticketKey));
    // Act
    const { leases, unreadable } = await history.leasesBetween(EXAMPLE_PERIOD);
    // Assess
    expect(unreadable).toEqual([]);
    expect([...leases].sort((a, b) => a.id.localeCompare(b.id))).toEqual(expected);
  });

  it('reads the denials decided in the period', async () => {
    // Prepare
    const history = makeLeaseHistoryReader({ client: dynamo.client, tableName: 'leases' });
    // Act
    const denials = await history.denialsBetween(EXAMPLE_PERIOD);
    // Assess
    expect(denials.map((d) => d.ticketKey).sort()).toEqual(['OPS-1203', 'OPS-1207', 'OPS-1215', 'OPS-1228']);
    expect(denials.find((d) => d.ticketKey === 'OPS-1207')).toEqual(exampleDenials().find((d) => d.ticketKey === 'OPS-1207'));
  });

  it('follows the scan to its last page: one item per page still finds them all', async () => {
    // Prepare: 14 leases, 5 denials and 3 other items (22 in all), one per page.
    const client = localDynamoDbClient(dynamo.endpoint);
    let scans = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        scans += 1;
        return next(args);
      },
      { step: 'initialize' },
    );
    const paged = makeLeaseHistoryReader({ client, tableName: 'leases', pageSize: 1 });
    const whole = { from: new Date('2000-01-01T00:00:00.000Z'), to: new Date('2100-01-01T00:00:00.000Z') };
    // Act
    const { leases } = await paged.leasesBetween(whole);
    const leaseScans = scans;
    const denials = await paged.denialsBetween(whole);
    client.destroy();
    // Assess
    expect(leases).toHaveLength(14);
    expect(denials).toHaveLength(5);
    expect(leaseScans).toBeGreaterThanOrEqual(22);
    expect(scans - leaseScans).toBeGreaterThanOrEqual(22);
  });

  it('returns an item that is not a lease as unreadable (its key and the refused fields), rather than leaving it out or failing the rest', async () => {
    // Prepare
    await ensureLeaseTable(dynamo.client, 'broken');
    await seedLeaseTable(dynamo.client, 'broken', exampleLeases(), []);
    await DynamoDBDocumentClient.from(dynamo.client).send(new PutCommand({ TableName: 'broken', Item: { pk: 'lease#cafe', id: 'cafe', status: 'ACTIVE', reason: 'PLANTED' } }));
    const history = makeLeaseHistoryReader({ client: dynamo.client, tableName: 'broken' });
    // Act
    const { leases, unreadable } = await history.leasesBetween(EXAMPLE_PERIOD);
    // Assess
    expect(leases).toHaveLength(exampleLeases().filter((l) => !['OPS-1187', 'OPS-1150'].includes(l.ticketKey)).length);
    expect(unreadable).toEqual([{ pk: 'lease#cafe', paths: expect.arrayContaining(['idempotencyKey', 'requester', 'bindings']) }]);
    expect(JSON.stringify(unreadable)).not.toContain('PLANTED');
  });

  it('reads the people of a denial through the schema: a denial whose requester is not a person fails, naming it', async () => {
    // Prepare: a table writer put text where a person belongs.
    await ensureLeaseTable(dynamo.client, 'bad-denial');
    const item = { pk: 'lease#d1', record: 'denial', leaseId: 'd1', idempotencyKey: 'jira#OPS-1#a', source: 'jira', ticketKey: 'OPS-1', code: 'self-approval', reason: 'own', at: '2026-11-03T10:00:00.000Z', by: 'jira-webhook:x' };
    const doc = DynamoDBDocumentClient.from(dynamo.client);
    await doc.send(new PutCommand({ TableName: 'bad-denial', Item: { ...item, requester: '<b>mallory</b>' } }));
    const history = makeLeaseHistoryReader({ client: dynamo.client, tableName: 'bad-denial' });
    // Act / Assess
    await expect(history.denialsBetween(EXAMPLE_PERIOD)).rejects.toThrow(/item lease#d1 does not match the denial schema/);
    // The same denial as an older version stored it (no people) reads with none.
    await doc.send(new PutCommand({ TableName: 'bad-denial', Item: item }));
    expect(await history.denialsBetween(EXAMPLE_PERIOD)).toEqual([{ leaseId: 'd1', idempotencyKey: 'jira#OPS-1#a', source: 'jira', ticketKey: 'OPS-1', code: 'self-approval', reason: 'own', at: '2026-11-03T10:00:00.000Z', by: 'jira-webhook:x' }]);
  });

  it('fails with LeaseStoreError when the table is not there', async () => {
    // Prepare
    const history = makeLeaseHistoryReader({ client: dynamo.client, tableName: 'missing' });
    // Act / Assess
    await expect(history.denialsBetween(EXAMPLE_PERIOD)).rejects.toThrow(/DynamoDB Scan failed/);
  });
});
