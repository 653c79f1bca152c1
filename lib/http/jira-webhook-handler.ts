import { verifyJiraSignature, parseJiraHint, JiraPayloadError } from '../adapters/jira/jira-webhook.js';
import { describeError, KubeLeaseError, TicketSourceError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { GrantAccessInput, GrantOutcome } from '../use-cases/grant-access.js';
import { json, type HttpRequest, type HttpResponse } from './http.js';

export interface JiraWebhookDeps {
  readonly webhookSecret: () => Promise<string>;
  readonly approvedStatuses: readonly string[];
  readonly grantAccess: (input: GrantAccessInput) => Promise<GrantOutcome>;
  readonly leases: Pick<LeaseStore, 'hasDelivery' | 'rememberDelivery'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly deliveryTtlSeconds: number;
}

/**
 * `POST /webhooks/jira`: authenticate, size-limit, parse, filter, then hand the issue key to the
 * grant use case. Answers 2xx for everything Jira should not retry (including denials and events we
 * ignore), 4xx for requests that are wrong, 5xx only when a retry may help.
 */
export function makeJiraWebhookHandler(deps: JiraWebhookDeps): (request: HttpRequest) => Promise<HttpResponse> {
  const reject = (statusCode: number, code: 'bad-signature' | 'too-large' | 'bad-request', reason: string, deliveryId?: string) => {
    deps.audit.record({ kind: 'reject', at: deps.clock.now().toISOString(), actor: 'jira-webhook', source: 'jira', code, reason, deliveryId });
    return json(statusCode, { error: reason });
  };

  return async function handleJiraWebhook(request: HttpRequest): Promise<HttpResponse> {
    if (request.method !== 'POST') return json(405, { error: 'use POST' }, { allow: 'POST' });
    const deliveryId = request.headers['x-atlassian-webhook-identifier']?.slice(0, 200);
    if (request.body.length > deps.maxBodyBytes) {
      return reject(413, 'too-large', `body is larger than ${deps.maxBodyBytes} bytes`, deliveryId);
    }
    const secret = await deps.webhookSecret();
    if (!verifyJiraSignature(request.body, request.headers['x-hub-signature'], secret)) {
      return reject(401, 'bad-signature', 'missing or wrong X-Hub-Signature', deliveryId);
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return reject(400, 'bad-request', 'body is not valid JSON', deliveryId);
    }
    let hint;
    try {
      hint = parseJiraHint(body, deps.approvedStatuses);
    } catch (error) {
      if (error instanceof JiraPayloadError) return reject(400, 'bad-request', error.message, deliveryId);
      throw error;
    }
    if (hint.kind === 'ignore') {
      deps.logger.info('jira webhook ignored', { reason: hint.reason, deliveryId });
      return json(202, { outcome: 'ignored', reason: hint.reason });
    }

    try {
      if (deliveryId !== undefined && (await deps.leases.hasDelivery(deliveryId))) {
        deps.logger.info('jira webhook delivery already processed', { deliveryId });
        return json(200, { outcome: 'duplicate-delivery' });
      }
      const outcome = await deps.grantAccess({ ticketKey: hint.issueKey, actor: `jira-webhook:${deliveryId ?? 'unidentified'}` });
      if (deliveryId !== undefined) await deps.leases.rememberDelivery(deliveryId, deps.clock.now(), deps.deliveryTtlSeconds);
      return json(200, describeOutcome(outcome));
    } catch (error) {
      const retryable = error instanceof KubeLeaseError ? error.retryable : true;
      deps.logger.error('jira webhook failed', { ticket: hint.issueKey, deliveryId, error: describeError(error), retryable });
      deps.audit.record({
        kind: 'failure',
        at: deps.clock.now().toISOString(),
        actor: 'jira-webhook',
        source: 'jira',
        ticket: hint.issueKey,
        code: 'backend-error',
        reason: describeError(error),
        deliveryId,
      });
      const retryAfter = error instanceof TicketSourceError ? error.retryAfterSeconds : undefined;
      return json(
        retryable ? 503 : 500,
        { error: retryable ? 'temporarily unable to process; retry' : 'internal error' },
        retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
      );
    }
  };
}

function describeOutcome(outcome: GrantOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'granted':
    case 'duplicate':
      return { outcome: outcome.kind, leaseId: outcome.lease.id, status: outcome.lease.status, expiresAt: outcome.lease.expiresAt };
    case 'failed':
      return { outcome: 'failed', leaseId: outcome.lease.id, reason: outcome.reason };
    case 'denied':
      return { outcome: 'denied', code: outcome.code, reason: outcome.reason };
  }
}
