import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { WINDOW_CATALOG } from '../support/demo-catalog.js';
import { dynamoStores } from '../support/dynamo-stores.js';
import { approvedTicket, wire } from '../support/use-cases.js';

/*
 * Review 3 of issue 23, R3-6 (a regression test; the hole is closed): a change window that starts after 9999-12-31T23:59:59.999Z (a
 * four-digit year with a negative offset, `9999-12-31T23:00:00-12:00`) is a date parseTicketDate
 * accepts; its toISOString is `+010000-…`, which stored-text's storedTime refuses. The grant writes a
 * SCHEDULED lease item kube-lease cannot read: from then on the ticket's every decision fails, and
 * every report and review pack (which read the whole table) is incomplete or refused.
 */
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

describe('review 3, R3-6: a window starting in year 10000', () => {
  it('is denied, or leaves a lease kube-lease can read', async () => {
    // Prepare
    const table = 'review3-far-window';
    const use = wire(WINDOW_CATALOG, await dynamoStores(dynamo.client, table));
    // Act
    const granted = await use.grantAccess(approvedTicket('R3-6', { windowStart: '9999-12-31T23:00:00-12:00' }), 'webhook').then(
      (o) => o.kind,
      (error: unknown) => `threw: ${error instanceof Error ? error.message.slice(0, 120) : String(error)}`,
    );
    const listed = await use.leases.listForTicketRef('jira', { id: 'id-R3-6', keys: ['R3-6'] });
    // Assess
    expect({ granted, unreadable: listed.unreadable.map((u) => u.paths) }).toEqual({ granted: expect.any(String), unreadable: [] });
  });
});
