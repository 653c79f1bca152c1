import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { joinLeaseLists, type LeaseList } from '../../domain/lease-list.js';
import type { TicketRef, TicketSourceName } from '../../domain/ticket.js';
import { ticketIdRef, ticketKeyRecord, ticketKeyRecordKey, ticketKeyRecordSchema, ticketRef } from './lease-item.js';
import { TICKET_INDEX } from './lease-table.js';
import { storeError } from './store-error.js';
import { readLeaseItems } from './read-lease-items.js';

export type QueryInput = Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

/**
 * Items one Query page asks for. A query's `Limit` is a page size, not a total: DynamoDB takes an
 * int32, and dynalite on disk answers an oversized one (Number.MAX_SAFE_INTEGER) with no items at
 * all. So a listing of any length asks for pages of at most this many and follows LastEvaluatedKey.
 */
export const QUERY_PAGE_ITEMS = 1000;

/**
 * Every item a query matches, page after page, up to `limit` (`Infinity`: all): each page asks for
 * no more than what is still wanted, and never more than `pageItems`. With `counts`, only the items
 * it returns true for count towards `limit` (an unreadable lease item does not take a lease's place).
 */
export async function queryItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  input: QueryInput,
  limit: number,
  pageItems = QUERY_PAGE_ITEMS,
  counts: (item: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let counted = 0;
  if (!(limit >= 1)) return items;
  let startKey: Record<string, unknown> | undefined;
  do {
    let page;
    try {
      page = await doc.send(new QueryCommand({ TableName: tableName, ...input, Limit: Math.min(limit - counted, pageItems), ExclusiveStartKey: startKey }));
    } catch (error) {
      throw storeError('Query', error);
    }
    for (const item of page.Items ?? []) {
      if (counted >= limit) break;
      items.push(item);
      if (counts(item)) counted += 1;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && counted < limit);
  return items;
}

/**
 * The ticket index (`ticketRef`, `createdAt`): a lease sits under its ticket's immutable id
 * (`<source>#id:<id>`), or, recorded before leases were filed by id, under its key
 * (`<source>#<key>`). Beside it, the ticket-key records (`ticketkey#<source>#<key>`, in no index):
 * which ticket id a key was seen naming, so that a key as a person types it finds a moved
 * ticket's leases too.
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
  async byRef(source: TicketSourceName, ticket: TicketRef): Promise<LeaseList> {
    const refs = [ticketIdRef(source, ticket.id), ...ticket.keys.map((key) => ticketRef(source, key))];
    return oldestFirst(await Promise.all(refs.map((ref) => this.partition(ref))));
  }

  /** By a key: the leases recorded under it before ids, and every lease of the ticket id its record names. */
  async byKey(source: TicketSourceName, key: string): Promise<LeaseList> {
    const [byKey, record] = await Promise.all([this.partition(ticketRef(source, key)), this.record(source, key)]);
    const byId = record === undefined ? [] : [await this.partition(ticketIdRef(source, record))];
    return oldestFirst([byKey, ...byId]);
  }

  /** The ticket id a key's record names, if kube-lease recorded one. */
  private async record(source: TicketSourceName, key: string): Promise<string | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: ticketKeyRecordKey(source, key) }, ConsistentRead: true }))).Item;
    } catch (error) {
      throw storeError('GetItem', error);
    }
    const parsed = ticketKeyRecordSchema.safeParse(item);
    return parsed.success ? parsed.data.ticketId : undefined;
  }

  /** One partition's leases (anything else found there is not a lease, and skipped), and the items it could not read. */
  private async partition(ref: string): Promise<LeaseList> {
    const items = await queryItems(this.doc, this.tableName, { IndexName: TICKET_INDEX, KeyConditionExpression: 'ticketRef = :ref', ExpressionAttributeValues: { ':ref': ref } }, 1000);
    return readLeaseItems(items.filter((item) => item.record === undefined));
  }
}

/** Leases found in several partitions, each once, oldest first (and every item that could not be read, once). */
function oldestFirst(lists: readonly LeaseList[]): LeaseList {
  const { leases, unreadable } = joinLeaseLists(lists);
  return { leases: [...leases].sort((a, b) => a.createdAt.localeCompare(b.createdAt)), unreadable };
}
