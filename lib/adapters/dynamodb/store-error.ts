import { LeaseStoreError } from '../../errors.js';

/** DynamoDB error names after which the same call may succeed. */
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
  'ECONNREFUSED',
]);

/**
 * A failed DynamoDB call as a LeaseStoreError, retryable when DynamoDB or the network says a retry
 * may help. (The same classification as the lease store's own.)
 */
export function dynamoDbError(action: string, error: unknown): LeaseStoreError {
  const name = error instanceof Error ? error.name : '';
  return new LeaseStoreError(`DynamoDB ${action} failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    retryable: RETRYABLE.has(name),
  });
}
