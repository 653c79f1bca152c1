import { buildLeaseStore } from '../container.js';
import { loadStoreConfig } from '../config.js';
import type { LeaseStore } from '../ports/lease-store.js';

/**
 * The lease table for `mine`, when the environment names one (LEASES_TABLE, or DYNAMODB_ENDPOINT
 * for local mode); undefined otherwise: a requester often has no access to it, and `mine` then
 * shows the tickets alone.
 */
export function storeFromEnvIfSet(env: NodeJS.ProcessEnv): { readonly leases: LeaseStore; close(): void } | undefined {
  if (!env.LEASES_TABLE?.trim() && !env.DYNAMODB_ENDPOINT?.trim()) return undefined;
  return buildLeaseStore(loadStoreConfig(env));
}
