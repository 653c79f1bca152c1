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

/** The cluster's audit log could not be read (throttled or unreachable: retryable; refused or misconfigured: not). */
export class ActivityLogError extends KubeLeaseError {
  override name = 'ActivityLogError';
}

/** The revocation scheduler failed. */
export class SchedulerError extends KubeLeaseError {
  override name = 'SchedulerError';
}

/** The scheduler is at its quota (EventBridge: 300 rules per bus by default); the sweep still covers the lease. */
export class ScheduleQuotaError extends SchedulerError {
  override name = 'ScheduleQuotaError';
}

/** A grant attempt met a failure that a retry may fix (the cluster or AWS unavailable or throttling): what it had created was removed and the approval stays open for the next delivery or the sweep. */
export class GrantDeferredError extends KubeLeaseError {
  override name = 'GrantDeferredError';
  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number | undefined } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** PagerDuty could not answer (throttled, down, key refused): always retryable, never a denial (503, nothing spent or said). */
export class OnCallLookupError extends KubeLeaseError {
  override name = 'OnCallLookupError';
  readonly statusCode: number | undefined;
  constructor(message: string, statusCode: number | undefined, options: { cause?: unknown; retryAfterSeconds?: number | undefined } = {}) {
    super(message, { ...options, retryable: true });
    this.statusCode = statusCode;
  }
}

/** A secret reference could not be resolved. */
export class SecretError extends KubeLeaseError {
  override name = 'SecretError';
}

/** A webhook (or timer) body is not what its sender sends: refused with 400, never retried. */
export class PayloadError extends KubeLeaseError {
  override name = 'PayloadError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** An access report was asked for with arguments it cannot honour: a date that is not one, a period that is empty or inverted, an unknown format. The operator's mistake: never retryable. */
export class ReportRequestError extends KubeLeaseError {
  override readonly name = 'ReportRequestError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** Bindings of a lease could not be deleted; the lease stays ACTIVE, and a retry or the sweep finishes it. */
export class RevokeIncompleteError extends KubeLeaseError {
  override name = 'RevokeIncompleteError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** A lease record changed under a use case in a way its step cannot settle (it vanished, or kept changing): retryable, because the next attempt re-reads the record and decides from what it finds. */
export class LeaseRaceError extends KubeLeaseError {
  override name = 'LeaseRaceError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** A kubeconfig asks for a feature the Lambda bundle leaves out (proxies, auth-provider plugins): fix the kubeconfig. */
export class UnsupportedKubeconfigError extends ConfigError {
  override name = 'UnsupportedKubeconfigError';
}

/** The bundle's fetch was handed a dispatcher it does not implement (only kubeconfig TLS options are). */
export class UnsupportedDispatcherError extends ConfigError {
  override name = 'UnsupportedDispatcherError';
}

/** The evidence key (KMS, or the local key file) could not be used: unreachable, refused, missing. */
export class EvidenceKeyError extends KubeLeaseError {
  override name = 'EvidenceKeyError';
}

/** The key service refused one record's seal as a malformed request (KMS ValidationException): the record's failure, not the key's. */
export class EvidenceSealRejectedError extends EvidenceKeyError {
  override name = 'EvidenceSealRejectedError';
}

/** Wrong command-line arguments: the CLI prints its usage and exits with 2. */
export class UsageError extends KubeLeaseError {
  override name = 'UsageError';
}

/** A stored record cannot be placed in an access report (a time in it is not a date): the report stops rather than leave the record out. Not retryable: the record must be looked at. */
export class ReportDataError extends KubeLeaseError {
  override readonly name = 'ReportDataError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** Turns anything thrown into a short, log-safe description (secrets scrubbed); for logs, never for tickets. */
export function describeError(error: unknown): string {
  return scrubSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/**
 * Secrets that can appear inside error text (a YAML parser quoting kubeconfig lines, an HTTP client
 * echoing headers, a URL with credentials), replaced by `[redacted]`. Applied to everything
 * `describeError` returns, so logs carry the detail without them.
 */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g, '[redacted PEM]'],
  [/\b(token|id-token|refresh-token|access-token|password|passwd|secret|client-key-data|client-certificate-data|certificate-authority-data|client-secret|api[-_]?key)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1$2[redacted]'],
  [/\b(authorization)(["']?\s*[:=]\s*)(bearer|basic)?\s*("[^"]*"|\S+)/gi, '$1$2[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]'],
  [/\bk8s-aws-v1\.[A-Za-z0-9_-]+/g, 'k8s-aws-v1.[redacted]'],
  [/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1[redacted]@'],
];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/**
 * What may be said about a failure outside kube-lease (ticket comments, HTTP responses, audit
 * events): a fixed sentence chosen by the error's class and status, never the backend's own text,
 * which can quote configuration or secrets. The detail goes to the logs, scrubbed, under a reference.
 */
export function publicReason(error: unknown): string {
  if (error instanceof BindingConflictError) return 'a RoleBinding of the same name exists and is not exactly this lease\'s; it was left untouched';
  if (error instanceof ClusterError) {
    const status = error.statusCode;
    if (status === 403) return 'the cluster refused the binding (403 Forbidden: kube-lease may not bind this role there)';
    if (status === 401) return 'the cluster did not accept kube-lease\'s credentials (401)';
    if (status === 404) return 'the cluster answered 404 Not Found (a namespace that does not exist, or a path it does not serve)';
    if (status === 400 || status === 422) return `the cluster refused the binding as invalid (${status})`;
    if (status === 409) return 'the cluster reported a conflict (409)';
    return error.retryable ? 'the cluster was unavailable' : `the cluster refused the request${status === undefined ? '' : ` (${status})`}`;
  }
  if (error instanceof ActivityLogError) {
    return error.retryable ? 'the cluster\'s audit log could not be read (throttled or unavailable)' : 'the cluster\'s audit log could not be read (missing, or kube-lease may not read it)';
  }
  if (error instanceof ScheduleQuotaError) return 'the timer quota is reached';
  if (error instanceof SchedulerError) return 'the expiry timer could not be set';
  if (error instanceof LeaseStoreError) return 'the lease store failed';
  if (error instanceof TicketNotFoundError) return 'the ticket was not found';
  if (error instanceof TicketSourceError) return 'the ticketing system\'s API failed';
  if (error instanceof OnCallLookupError) return 'PagerDuty could not be asked who is on call';
  if (error instanceof SecretError) return 'a credential kube-lease needs could not be read';
  if (error instanceof ConfigError) return 'kube-lease\'s configuration for this cluster is not usable';
  if (error instanceof GrantDeferredError) return 'the cluster or AWS was unavailable';
  return 'an internal error';
}

/** The distinct public reasons of several failures, joined. */
export function publicReasons(errors: readonly unknown[]): string {
  return [...new Set(errors.map(publicReason))].join('; ');
}
