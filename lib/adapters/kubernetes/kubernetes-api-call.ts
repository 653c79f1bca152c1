// The same class the package index exports, without loading the index (see rbac-api-provider.ts).
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { ClusterError } from '../../errors.js';
import { withRetry, type RetryPolicy } from '../../retry.js';

/** Status code of a Kubernetes API failure, or undefined for a network-level failure. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? (error.code as number) : undefined;
}

/** The `message` of a Kubernetes `Status` body, which is what kubectl would print. */
function statusMessage(error: unknown): string {
  if (!(error instanceof ApiException)) return error instanceof Error ? error.message : String(error);
  const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') {
    return body.message;
  }
  return `HTTP ${String(error.code)}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A failed API call as a ClusterError: retryable for network failures, 429 and 5xx. */
export function clusterError(action: string, cluster: string, error: unknown): ClusterError {
  const status = statusOf(error);
  const retryable = status === undefined || status === 429 || status >= 500;
  return new ClusterError(`${action} in cluster ${cluster} failed: ${statusMessage(error)}`, status, { cause: error, retryable });
}

/** Runs one API call: retried with back-off on 429, 5xx, network failures and timeouts. */
export type ApiCall = <T>(work: () => Promise<T>) => Promise<T>;

/** The retry policy and per-attempt timeout every Kubernetes API call of the adapter goes through. */
export function makeApiCall(retry: RetryPolicy, timeoutMs: number): ApiCall {
  const bounded = <T>(work: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ClusterError(`the Kubernetes API did not answer within ${timeoutMs} ms`, undefined, { retryable: true })), timeoutMs);
    });
    return Promise.race([work(), timeout]).finally(() => clearTimeout(timer));
  };
  return (work) => withRetry(() => bounded(work), retry);
}
