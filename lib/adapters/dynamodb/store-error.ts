import { LeaseStoreError } from '../../errors.js';

/** DynamoDB errors a retry may fix. */
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
]);

/** A DynamoDB failure as a LeaseStoreError, classed retryable or not by its name. */
export function storeError(action: string, error: unknown): LeaseStoreError {
  const name = error instanceof Error ? error.name : '';
  return new LeaseStoreError(`DynamoDB ${action} failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    retryable: RETRYABLE.has(name) || name === 'TimeoutError' || name === 'ECONNREFUSED',
  });
}
