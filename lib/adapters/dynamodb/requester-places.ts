import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lease } from '../../domain/lease.js';
import { placesKey, requesterRef } from './lease-item.js';
import { storeError } from './store-error.js';

/**
 * The per-requester cap's places: one item per requester holding the ids of its open leases, taken
 * and given back by single conditional writes. See `LeaseStore.reservePlace` for the contract.
 */
export class RequesterPlaces {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Reads a lease, to tell places of ended leases that were not given back. */
    private readonly leaseOf: (id: string) => Promise<Lease | undefined>,
  ) {}

  async reserve(lease: Lease, max: number): Promise<{ readonly ok: true } | { readonly ok: false; readonly held: number }> {
    const key = { pk: placesKey(lease.source, lease.requester) };
    const take = async (): Promise<boolean> => {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'ADD #leases :one',
            // Already holding a place (a repeat), or a place is free.
            ConditionExpression: 'attribute_not_exists(#leases) OR contains(#leases, :id) OR size(#leases) < :max',
            ExpressionAttributeNames: { '#leases': 'leases' },
            ExpressionAttributeValues: { ':one': new Set([lease.id]), ':id': lease.id, ':max': max },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw storeError('UpdateItem', error);
      }
    };
    if (await take()) return { ok: true };
    // Full: give back the places of leases that ended without giving theirs back (a crash between
    // the transition and the release), then try once more.
    const held = await this.heldPlaces(key.pk);
    const records = await Promise.all(held.map((id) => this.leaseOf(id)));
    const ended = held.filter((_, i) => {
      const record = records[i];
      return record === undefined || record.status === 'REVOKED' || record.status === 'FAILED';
    });
    if (ended.length > 0) {
      await this.release(key.pk, ended);
      if (await take()) return { ok: true };
    }
    return { ok: false, held: (await this.heldPlaces(key.pk)).length };
  }

  private async heldPlaces(pk: string): Promise<string[]> {
    let item: Record<string, unknown> | undefined;
    try {
      item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }))).Item;
    } catch (error) {
      throw storeError('GetItem', error);
    }
    const leases: unknown = item?.leases;
    return leases instanceof Set ? [...(leases as Set<unknown>)].filter((id): id is string => typeof id === 'string') : [];
  }

  async release(pk: string, ids: readonly string[]): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk },
          UpdateExpression: 'DELETE #leases :gone',
          ExpressionAttributeNames: { '#leases': 'leases' },
          ExpressionAttributeValues: { ':gone': new Set(ids) },
        }),
      );
    } catch (error) {
      throw storeError('UpdateItem', error);
    }
  }

  /** Break-glass uses of one requester on one UTC day: the same conditional set as places, never released. */
  async reserveBreakGlass(lease: Lease, max: number, day: string): Promise<{ readonly ok: true } | { readonly ok: false; readonly used: number }> {
    const pk = `breakglass#${requesterRef(lease.source, lease.requester)}#${day}`;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk },
          UpdateExpression: 'ADD #leases :one',
          ConditionExpression: 'attribute_not_exists(#leases) OR contains(#leases, :id) OR size(#leases) < :max',
          ExpressionAttributeNames: { '#leases': 'leases' },
          ExpressionAttributeValues: { ':one': new Set([lease.id]), ':id': lease.id, ':max': max },
        }),
      );
      return { ok: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { ok: false, used: (await this.heldPlaces(pk)).length };
      throw storeError('UpdateItem', error);
    }
  }
}
