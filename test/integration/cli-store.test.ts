import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbLeaseStore } from '../../lib/adapters/dynamodb/dynamodb-lease-store.js';
import { runCli } from '../../lib/cli/operator.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { leaseFixture } from '../support/lease-fixture.js';
import { seedLeaseTable } from '../support/seed-lease-table.js';

const TABLE = 'kube-lease-leases';
const id = (n: number) => `c${String(n).padStart(19, '0')}`;
/** 7 open leases (5 ACTIVE, 2 SCHEDULED) and 2 ended ones, due at different times. */
const LEASES = [
  ...[1, 2, 3, 4, 5].map((n) => leaseFixture(id(n), `2026-01-0${n}T12:00:00.000Z`, 'ACTIVE')),
  ...[6, 7].map((n) => ({ ...leaseFixture(id(n), '2026-02-01T12:00:00.000Z', 'SCHEDULED'), startsAt: `2026-01-2${n}T00:00:00.000Z` })),
  ...[8, 9].map((n) => leaseFixture(id(n), '2026-01-01T12:00:00.000Z', 'REVOKED')),
];

/**
 * The CLI against a real DynamoDB-protocol store as local mode and the sandbox run it: dynalite
 * persisted on disk (whose answer to an oversized query Limit is no items at all), no mock.
 */
describe('operator CLI against local mode\'s store (dynalite on disk)', () => {
  let dynamo: EmbeddedDynamoDb;
  let dir: string;
  let out: string[];
  let err: string[];
  const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runCli(argv, { env, out: (t) => out.push(t), err: (t) => err.push(t) });
  const storeEnv = (): NodeJS.ProcessEnv => ({ DYNAMODB_ENDPOINT: dynamo.endpoint, LEASES_TABLE: TABLE });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-cli-store-'));
    dynamo = await startEmbeddedDynamoDb(join(dir, 'dynamodb'));
    await seedLeaseTable(dynamo.client, TABLE, LEASES, []);
  });
  afterAll(async () => {
    dynamo.client.destroy();
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = [];
    err = [];
  });

  it('lists every open lease, and every lease with --all', async () => {
    // Act
    const code = await run(storeEnv(), 'leases', 'list', '--json');
    const open = (JSON.parse(out.join('')) as { id: string }[]).map((l) => l.id).sort();
    out = [];
    await run(storeEnv(), 'leases', 'list', '--all', '--json');
    const all = (JSON.parse(out.join('')) as { id: string }[]).map((l) => l.id).sort();
    out = [];
    const table = await run(storeEnv(), 'leases', 'list');
    // Assess
    expect(code).toBe(0);
    expect(open).toEqual([1, 2, 3, 4, 5, 6, 7].map(id));
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map(id));
    expect(table).toBe(0);
    expect(out.join('').split('\n').filter((l) => l.startsWith('c0'))).toHaveLength(7);
    expect(err).toEqual([]);
  });

  it('shows what a sweep would do from the same store (every due lease, none cut off)', async () => {
    // Act: all seeded windows lie in the past, so every open lease is due.
    const code = await run(storeEnv(), 'sweep', '--dry-run', '--json');
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ activate: [6, 7].map(id), revoke: [1, 2, 3, 4, 5].map(id), settle: [], announce: [], checkIdle: [], unreadable: [] });
  });

  it('pages through the status index with LastEvaluatedKey, a page at a time, up to the limit asked', async () => {
    // Prepare: pages of 2 items, so 5 ACTIVE leases take 3 pages.
    const store = new DynamoDbLeaseStore(dynamo.client, TABLE, false, 2);
    const far = new Date('9999-12-31T00:00:00.000Z');
    // Act
    const everything = (await store.listDue('ACTIVE', far, Number.POSITIVE_INFINITY)).leases;
    const unsafe = (await store.listDue('ACTIVE', far, Number.MAX_SAFE_INTEGER)).leases;
    const three = (await store.listDue('ACTIVE', far, 3)).leases;
    const none = (await store.listDue('ACTIVE', far, 0)).leases;
    // Assess: earliest due first, none lost between pages, none past the limit.
    expect(everything.map((l) => l.id)).toEqual([1, 2, 3, 4, 5].map(id));
    expect(unsafe.map((l) => l.id)).toEqual([1, 2, 3, 4, 5].map(id));
    expect(three.map((l) => l.id)).toEqual([1, 2, 3].map(id));
    expect(none).toEqual([]);
  });

  it('names the table and the endpoint, and what to set, when the table is not there', async () => {
    // Act
    const code = await run({ ...storeEnv(), LEASES_TABLE: 'kube-lease-prod-leases' }, 'leases', 'list');
    // Assess
    expect(code).toBe(1);
    expect(err.join('')).toContain(`no table "kube-lease-prod-leases" (LEASES_TABLE) at DYNAMODB_ENDPOINT ${dynamo.endpoint}. Set LEASES_TABLE to the lease table's name`);
  });

  it('says that nothing answers at DYNAMODB_ENDPOINT and how to start a store, when none runs there', async () => {
    // Prepare: a port that was free a moment ago.
    const gone = await startEmbeddedDynamoDb(undefined);
    gone.client.destroy();
    await gone.stop();
    // Act
    const listed = await run({ DYNAMODB_ENDPOINT: gone.endpoint }, 'leases', 'list');
    const reported = await run({ DYNAMODB_ENDPOINT: gone.endpoint }, 'report', '--json');
    // Assess
    expect([listed, reported]).toEqual([1, 1]);
    const lines = err.join('').split('\n');
    expect(lines.filter((l) => l.includes(`nothing answers at DYNAMODB_ENDPOINT ${gone.endpoint}: start local mode (npm start) or the sandbox (npm run sandbox)`))).toHaveLength(2);
  });
});
