import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { WINDOW_CATALOG } from '../support/demo-catalog.js';
import { dynamoStores } from '../support/dynamo-stores.js';
import { approvedTicket, wire } from '../support/use-cases.js';

/*
 * Review 4 (issue 23), R4-2 (a regression test: now denied with a reason): the window START is within year 9999 (parseTicketDate accepts it), but
 * the END kube-lease computes (start + duration, no window end given) is in year 10000, which
 * storedTime refuses. What does the grant do: deny, refuse (create's check), or store an unreadable lease?
 */
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb(undefined);
});
afterAll(async () => {
  dynamo.client.destroy();
  await dynamo.stop();
});

describe('review 4: a window starting at the end of year 9999', () => {
  it('is denied with a reason, or leaves a lease kube-lease can read', async () => {
    const table = 'review4-far-expiry';
    const use = wire(WINDOW_CATALOG, await dynamoStores(dynamo.client, table));
    const granted = await use.grantAccess(approvedTicket('R4-2', { windowStart: '9999-12-31T23:59:00Z' }), 'webhook').then(
      (o) => o.kind,
      (error: unknown) => `threw: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
    );
    const listed = await use.leases.listForTicketRef('jira', { id: 'id-R4-2', keys: ['R4-2'] });
    expect({ granted, unreadable: listed.unreadable.map((u) => u.paths) }).toEqual({ granted: expect.not.stringMatching(/^threw/), unreadable: [] });
  });
});
