/**
 * Whether an AWS SDK failure may pass by itself: the service's fault (5xx), throttling, or no answer
 * at all (network, timeout). A client fault such as AccessDenied or a validation error is final.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const detail = error as Error & { $fault?: unknown; $metadata?: { httpStatusCode?: unknown }; $retryable?: unknown };
  if (detail.$fault === 'server' || detail.$retryable !== undefined) return true;
  if (/Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable|InternalException|InternalFailure|TimeoutError/.test(error.name)) return true;
  const status = detail.$metadata?.httpStatusCode;
  return status === undefined ? detail.$fault === undefined : typeof status === 'number' && (status >= 500 || status === 429);
}
