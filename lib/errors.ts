/**
 * All errors this service raises. One base class so callers can tell our errors from
 * library failures; each subclass says whether retrying could help.
 */
export class KubeLeaseError extends Error {
  // Names are spelled out, not taken from the constructor: the Lambda bundles are minified, and
  // operators read these names in logs and audit events.
  override name = 'KubeLeaseError';
  /** True when the same call may succeed later (throttling, 5xx, timeouts). */
  readonly retryable: boolean;
  /** When the failing backend said how long to wait (Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean; retryAfterSeconds?: number | undefined } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Configuration or access catalog is invalid; the function must not start. */
export class ConfigError extends KubeLeaseError {
  override name = 'ConfigError';
}

/** A webhook request was rejected before any side effect (signature, size, shape). */
export class WebhookRejectedError extends KubeLeaseError {
  override name = 'WebhookRejectedError';
  constructor(
    readonly statusCode: 400 | 401 | 405 | 413 | 415,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** The ITSM API answered with an error or could not be reached. */
export class TicketSourceError extends KubeLeaseError {
  override name = 'TicketSourceError';
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    options: { cause?: unknown; retryable?: boolean; retryAfterSeconds?: number | undefined } = {},
  ) {
    super(message, options);
  }
}

/** The ticket does not exist or the integration user cannot see it. */
export class TicketNotFoundError extends TicketSourceError {
  override name = 'TicketNotFoundError';
  constructor(key: string, options: { cause?: unknown } = {}) {
    super(`ticket ${key} was not found or is not visible to the integration user`, 404, options);
  }
}

/** The Kubernetes API refused or failed a call. */
export class ClusterError extends KubeLeaseError {
  override name = 'ClusterError';
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options);
  }
}

/** A RoleBinding with our name exists but belongs to another lease (or to nobody we know). */
export class BindingConflictError extends ClusterError {
  override name = 'BindingConflictError';
  constructor(namespace: string, name: string, ownerLeaseId: string | undefined) {
    super(
      `RoleBinding ${namespace}/${name} already exists and belongs to ${ownerLeaseId === undefined ? 'no lease of ours' : `lease ${ownerLeaseId}`}`,
      409,
    );
  }
}

/** The lease store failed (throttling, network, unexpected item shape). */
export class LeaseStoreError extends KubeLeaseError {
  override name = 'LeaseStoreError';
}

/** The revocation scheduler failed. */
export class SchedulerError extends KubeLeaseError {
  override name = 'SchedulerError';
}

/** The scheduler is at its quota (EventBridge: 300 rules per bus by default); the sweep still covers the lease. */
export class ScheduleQuotaError extends SchedulerError {
  override name = 'ScheduleQuotaError';
}

/**
 * A grant attempt met a failure that a retry may fix (the cluster or AWS unavailable or throttling):
 * what it had created was removed and the approval stays open for the next delivery or the sweep.
 */
export class GrantDeferredError extends KubeLeaseError {
  override name = 'GrantDeferredError';
  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number | undefined } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** A secret reference could not be resolved. */
export class SecretError extends KubeLeaseError {
  override name = 'SecretError';
}

/** Turns anything thrown into a short, log-safe description. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
