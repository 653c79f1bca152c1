import { PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Lease } from '../../domain/lease.js';
import type { TicketRef, TicketSourceName } from '../../domain/ticket.js';
import { fromItem, ticketIdRef, ticketKeyRecord, ticketKeyRecordSchema, ticketRef } from './lease-item.js';
import { TICKET_INDEX } from './lease-table.js';
import { storeError } from './store-error.js';

export type QueryInput = Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

/** Every item a query matches, page after page, up to `limit`. */
export async function queryItems(doc: DynamoDBDocumentClient, tableName: string, input: QueryInput, limit: number): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    let page;
    try {
      page = await doc.send(new QueryCommand({ TableName: tableName, ...input, Limit: limit - items.length, ExclusiveStartKey: startKey }));
    } catch (error) {
      throw storeError('Query', error);
    }
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && items.length < limit);
  return items;
}

/**
 * The ticket index (`ticketRef`, `createdAt`): a lease sits under its ticket's immutable id
 * (`<source>#id:<id>`), or, recorded before leases were filed by id, under its key
 * (`<source>#<key>`). Beside those keyed leases sit the ticket-key records: which ticket id a key
 * was seen naming, so that a key as a person types it finds a moved ticket's leases too.
 */
export class TicketIndex {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records which ticket id a key names (an unconditional put: the same key keeps naming the same ticket). */
  async note(source: TicketSourceName, key: string, ticketId: string | undefined, at: string): Promise<void> {
    if (ticketId === undefined) return;
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: ticketKeyRecord(source, key, ticketId, at) }));
    } catch (error) {
      throw storeError('PutItem', error);
    }
  }

  /** By the id and every key at once: one round of parallel queries. */
  async byRef(source: TicketSourceName, ticket: TicketRef): Promise<Lease[]> {
    const refs = [ticketIdRef(source, ticket.id), ...ticket.keys.map((key) => ticketRef(source, key))];
    const pages = await Promise.all(refs.map((ref) => this.partition(ref)));
    return oldestFirst(pages.flatMap((p) => p.leases));
  }

  /** By a key: its keyed leases and its ticket-key records, then every lease of the ids those name. */
  async byKey(source: TicketSourceName, key: string): Promise<Lease[]> {
    const byKey = await this.partition(ticketRef(source, key));
    const byId = await Promise.all([...new Set(byKey.ticketIds)].map((id) => this.partition(ticketIdRef(source, id))));
    return oldestFirst([...byKey.leases, ...byId.flatMap((p) => p.leases)]);
  }

  /** One partition: its leases, and the ticket ids its ticket-key records name. */
  private async partition(ref: string): Promise<{ leases: Lease[]; ticketIds: string[] }> {
    const items = await queryItems(this.doc, this.tableName, { IndexName: TICKET_INDEX, KeyConditionExpression: 'ticketRef = :ref', ExpressionAttributeValues: { ':ref': ref } }, 1000);
    const leases: Lease[] = [];
    const ticketIds: string[] = [];
    for (const item of items) {
      if (item.record === undefined) leases.push(fromItem(item));
      else {
        const record = ticketKeyRecordSchema.safeParse(item);
        if (record.success) ticketIds.push(record.data.ticketId);
      }
    }
    return { leases, ticketIds };
  }
}

/** Leases found in several partitions, each once, oldest first. */
function oldestFirst(leases: readonly Lease[]): Lease[] {
  const byId = new Map(leases.map((l) => [l.id, l]));
  return [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
