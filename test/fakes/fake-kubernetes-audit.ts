import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { RequestInfo } from './fake-kubernetes-api.js';

/**
 * An audit.k8s.io/v1 Event, with the field names of k8s.io/apiserver/pkg/apis/audit/v1
 * (kubernetes.io/docs/reference/config-api/apiserver-audit.v1): at level Metadata, except writes to
 * rbac.authorization.k8s.io, which EKS's policy (the reference GCE policy it extends) logs at
 * RequestResponse: they carry the request's object.
 */
export interface KubeAuditEvent {
  readonly kind: 'Event';
  readonly apiVersion: 'audit.k8s.io/v1';
  readonly level: 'Metadata' | 'RequestResponse';
  readonly auditID: string;
  readonly stage: 'ResponseStarted' | 'ResponseComplete';
  readonly requestURI: string;
  readonly verb: string;
  readonly user: { readonly username: string; readonly groups: readonly string[] };
  readonly sourceIPs: readonly string[];
  readonly userAgent?: string;
  readonly objectRef?: { readonly resource: string; readonly namespace?: string; readonly name?: string; readonly apiGroup?: string; readonly apiVersion: string; readonly subresource?: string };
  readonly responseStatus: { readonly metadata: Record<string, never>; readonly status?: 'Failure'; readonly message?: string; readonly reason?: string; readonly code: number };
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly requestObject?: unknown;
}

/** One request as the audit backend sees it, before it has an answer. */
export interface AuditedRequest {
  readonly auditID: string;
  readonly requestURI: string;
  readonly verb: string;
  readonly user: { readonly username: string; readonly groups: readonly string[] };
  readonly userAgent: string | undefined;
  readonly info: RequestInfo;
  readonly receivedAt: string;
  readonly decision: { readonly allowed: boolean; readonly reason?: string | undefined };
  /** A write logged at RequestResponse: the object it sent. */
  readonly requestObject?: unknown;
}

/**
 * The API server's log backend: events kept in memory and, when `path` is set, appended as one
 * JSON line each (as `--audit-log-path` writes them). Timestamps are MicroTime (six fraction digits).
 */
export class FakeAuditLog {
  readonly events: KubeAuditEvent[] = [];
  path: string | undefined;
  /** Told of each event as it is written (e.g. to ship it to a CloudWatch Logs fake, as EKS does). */
  readonly listeners: ((event: KubeAuditEvent) => void)[] = [];
  private lastMicros = 0;

  constructor(private readonly now: () => Date) {}

  /** Now as RFC 3339 with microseconds: the clock's milliseconds, the sub-millisecond part from hrtime, never going back. */
  microTime(): string {
    const micros = Math.max(this.now().getTime() * 1000 + Number((process.hrtime.bigint() / 1000n) % 1000n), this.lastMicros + 1);
    this.lastMicros = micros;
    const seconds = new Date(Math.floor(micros / 1_000_000) * 1000).toISOString().slice(0, 19);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}Z`;
  }

  begin(request: Omit<AuditedRequest, 'auditID' | 'receivedAt'>): AuditedRequest {
    return { ...request, auditID: randomUUID(), receivedAt: this.microTime() };
  }

  /** Records the request at `stage` with the answer's code (and, for a failure, its Status). */
  record(request: AuditedRequest, stage: KubeAuditEvent['stage'], code: number, failure?: { readonly message?: string; readonly reason?: string }): KubeAuditEvent {
    const { info } = request;
    const event: KubeAuditEvent = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: request.requestObject === undefined ? 'Metadata' : 'RequestResponse',
      auditID: request.auditID,
      stage,
      requestURI: request.requestURI,
      verb: request.verb,
      user: { username: request.user.username, groups: [...request.user.groups] },
      sourceIPs: ['127.0.0.1'],
      ...(request.userAgent === undefined ? {} : { userAgent: request.userAgent }),
      ...(info.resourceRequest && info.resource !== undefined
        ? {
            objectRef: {
              resource: info.resource,
              ...(info.namespace === undefined ? {} : { namespace: info.namespace }),
              ...(info.name === undefined ? {} : { name: info.name }),
              // omitempty: the core group has no apiGroup field.
              ...(info.apiGroup === '' ? {} : { apiGroup: info.apiGroup }),
              apiVersion: info.apiVersion,
              ...(info.subresource === undefined ? {} : { subresource: info.subresource }),
            },
          }
        : {}),
      responseStatus: failure === undefined ? { metadata: {}, code } : { metadata: {}, status: 'Failure', message: failure.message, reason: failure.reason, code },
      requestReceivedTimestamp: request.receivedAt,
      stageTimestamp: this.microTime(),
      annotations: {
        'authorization.k8s.io/decision': request.decision.allowed ? 'allow' : 'forbid',
        'authorization.k8s.io/reason': request.decision.reason ?? '',
      },
      ...(request.requestObject === undefined ? {} : { requestObject: request.requestObject }),
    };
    this.events.push(event);
    if (this.path !== undefined) appendFileSync(this.path, `${JSON.stringify(event)}\n`);
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
