import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { deniedInPeriod, overlapsPeriod, type ReportPeriod } from '../../domain/report-period.js';
import type { DeniedApproval } from '../../domain/lease.js';
import type { LeaseList } from '../../domain/lease-list.js';
import { LeaseStoreError } from '../../errors.js';
import type { LeaseHistory } from '../../ports/lease-history.js';
import { denialItemSchema } from './lease-item.js';
import { readLeaseItems } from './read-lease-items.js';
import { storeError } from './store-error.js';

/** The table to read and the client to read it with (built by the caller's composition root). */
export interface LeaseHistoryReaderOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Items DynamoDB examines per Scan page; by default as many as fit in its 1 MB page. */
  readonly pageSize?: number;
}

/** Lease items share the `lease#` keys with denials and extension claims; only leases have no `record`. */
const LEASE_ITEMS = 'begins_with(pk, :lease) AND attribute_not_exists(#record)';
const DENIAL_ITEMS = 'begins_with(pk, :lease) AND #record = :denial';

/**
 * Reads lease and denial records for the offline access report with a paged **Scan** of the lease
 * table, followed to its last page. A scan reads (and is billed for) the whole table whatever it
 * filters, so the server filters only the item kind (skipping extension claims, delivery claims and
 * requester places) and the period is applied exactly here, with the report's own overlap rule.
 * For operators' reports only: the grant, revoke and sweep paths never scan.
 *
 * @example
 * const history = makeLeaseHistoryReader({ client: new DynamoDBClient({ region }), tableName: 'kube-lease-leases' });
 * const { leases, unreadable } = await history.leasesBetween({ from, to });
 */
export function makeLeaseHistoryReader(options: LeaseHistoryReaderOptions): LeaseHistory {
  const doc = DynamoDBDocumentClient.from(options.client);

  async function scan(filter: string, values: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      let page;
      try {
        page = await doc.send(
          new ScanCommand({
            TableName: options.tableName,
            FilterExpression: filter,
            ExpressionAttributeNames: { '#record': 'record' },
            ExpressionAttributeValues: { ':lease': 'lease#', ...values },
            ExclusiveStartKey: startKey,
            Limit: options.pageSize,
          }),
        );
      } catch (error) {
        throw storeError('Scan', error);
      }
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  function denial(item: Record<string, unknown>): DeniedApproval {
    const parsed = denialItemSchema.safeParse(item);
    if (!parsed.success) throw new LeaseStoreError(`item ${String(item.pk)} does not match the denial schema`, { cause: parsed.error });
    const { pk: _pk, record: _record, ...denied } = parsed.data;
    return denied;
  }

  return {
    async leasesBetween(period: ReportPeriod): Promise<LeaseList> {
      // An item the lease schema refuses is returned as unreadable (its period is not known), never dropped.
      const { leases, unreadable } = readLeaseItems(await scan(LEASE_ITEMS, {}));
      return { leases: leases.filter((l) => overlapsPeriod(l, period)), unreadable };
    },
    async denialsBetween(period: ReportPeriod): Promise<readonly DeniedApproval[]> {
      return (await scan(DENIAL_ITEMS, { ':denial': 'denial' })).map(denial).filter((d) => deniedInPeriod(d, period));
    },
  };
}
