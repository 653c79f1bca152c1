import type { TicketSourceName } from '../domain/ticket.js';
import { describeError, GrantDeferredError, KubeLeaseError, PayloadError, publicReason } from '../errors.js';
import { newReference } from '../ids.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import type { Logger } from '../ports/logger.js';
import type { Hint, WebhookSource } from '../ports/webhook-source.js';
import type { ProcessOutcome, ProcessTicketInput } from '../use-cases/process-ticket.js';
import { json, type HttpRequest, type HttpResponse } from '../ports/http.js';

export interface WebhookDeps {
  readonly source: TicketSourceName;
  /** The source's webhook side: authentication, hint and delivery id. */
  readonly webhook: WebhookSource;
  readonly processTicket: (input: ProcessTicketInput) => Promise<ProcessOutcome>;
  readonly leases: Pick<LeaseStore, 'claimDelivery' | 'finishDelivery' | 'releaseDelivery'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** How long a processed delivery is remembered; at least as long as a signed timestamp is accepted. */
  readonly deliveryTtlSeconds: number;
  /** An unfinished claim older than this was left by a crash, and the next copy takes it over. */
  readonly claimStaleSeconds: number;
}

/**
 * The webhook pipeline every ITSM source shares: size limit, authentication, parsing, filtering,
 * delivery de-duplication, then the ticket is processed from what its API says. Answers 2xx for
 * everything the sender should not retry (denials and ignored events too), 4xx for requests that
 * are wrong, 5xx only when a retry may help.
 */
export function makeWebhookHandler(deps: WebhookDeps): (request: HttpRequest) => Promise<HttpResponse> {
  const actorName = `${deps.source}-webhook`;
  const reject = (statusCode: number, code: 'bad-signature' | 'too-large' | 'bad-request', reason: string, deliveryId?: string) => {
    deps.audit.record({ kind: 'reject', at: deps.clock.now().toISOString(), actor: actorName, source: deps.source, code, reason, deliveryId });
    return json(statusCode, { error: reason });
  };

  return async function handleWebhook(request: HttpRequest): Promise<HttpResponse> {
    if (request.method !== 'POST') return json(405, { error: 'use POST' }, { allow: 'POST' });
    const deliveryId = deps.webhook.deliveryId(request)?.slice(0, 200);
    if (request.body.length > deps.maxBodyBytes) {
      return reject(413, 'too-large', `body is larger than ${deps.maxBodyBytes} bytes`, deliveryId);
    }
    const authentication = await deps.webhook.authenticate(request);
    if (!authentication.ok) return reject(401, 'bad-signature', authentication.reason, deliveryId);

    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return reject(400, 'bad-request', 'body is not valid JSON', deliveryId);
    }
    let hint: Hint;
    try {
      hint = deps.webhook.hint(body);
    } catch (error) {
      if (error instanceof PayloadError) return reject(400, 'bad-request', error.message, deliveryId);
      throw error;
    }
    if (hint.kind === 'ignore') {
      deps.logger.info('webhook ignored', { source: deps.source, reason: hint.reason, deliveryId });
      return json(202, { outcome: 'ignored', reason: hint.reason });
    }

    // The same signed content is processed once, whatever delivery id comes with it: a replay
    // decides, records and comments nothing. The claim is made beside the ticket read (a replay
    // pays for a read it drops), so a first delivery waits for neither.
    const replayKey = `${deps.source}#${authentication.replayKey}`;
    let held = false;
    const admitted = deps.leases.claimDelivery(replayKey, deps.clock.now(), deps.deliveryTtlSeconds, deps.claimStaleSeconds).then((claimed) => (held = claimed));
    // Seen by processTicket; this keeps a failed claim from counting as unhandled meanwhile.
    admitted.catch(() => undefined);
    let finished: Promise<void> | undefined;
    const finish = (): Promise<void> => (finished ??= deps.leases.finishDelivery(replayKey, deps.clock.now()));

    try {
      const outcome = await deps.processTicket({
        source: deps.source,
        ticketKey: hint.key,
        ...(hint.displayKey === undefined ? {} : { displayKey: hint.displayKey }),
        ...(hint.ticketId === undefined ? {} : { ticketId: hint.ticketId }),
        actor: `${actorName}:${deliveryId ?? 'unidentified'}`,
        onDecided: finish,
        admitted,
      });
      if (outcome.kind === 'replayed') {
        deps.logger.info('webhook delivery already processed', { source: deps.source, deliveryId });
        return json(200, { outcome: 'duplicate-delivery' });
      }
      // A lease another attempt is still granting (or left when it died) is not finished business:
      // give the claim back so a later copy can finish it once that attempt is stale.
      if (outcome.kind === 'duplicate' && outcome.lease.status === 'PENDING') await deps.leases.releaseDelivery(replayKey);
      else await finish();
      return json(200, describeOutcome(outcome));
    } catch (error) {
      const retryable = error instanceof KubeLeaseError ? error.retryable : true;
      const reference = newReference();
      // Give the claim back (if this delivery holds it) so the sender's retry (or a later copy) is
      // processed: nothing is lost. A decision already recorded (lease or denial) keeps that retry quiet.
      if (held) await deps.leases.releaseDelivery(replayKey).catch((releaseError: unknown) => {
        deps.logger.warn('could not release a webhook claim; it is taken over once stale', { error: describeError(releaseError) });
      });
      deps.logger.error('webhook failed', { reference, source: deps.source, ticket: hint.key, deliveryId, error: describeError(error), retryable });
      // A deferred grant was audited with its lease by the use case.
      if (!(error instanceof GrantDeferredError)) deps.audit.record({
        kind: 'failure',
        at: deps.clock.now().toISOString(),
        actor: actorName,
        source: deps.source,
        ticket: hint.key.slice(0, 100),
        code: 'backend-error',
        reason: `${publicReason(error)} (reference ${reference})`,
        deliveryId,
      });
      const retryAfter = error instanceof KubeLeaseError ? error.retryAfterSeconds : undefined;
      return json(
        retryable ? 503 : 500,
        { error: retryable ? 'temporarily unable to process; retry' : 'internal error', reference },
        retryable && retryAfter !== undefined && retryAfter > 0 ? { 'retry-after': String(retryAfter) } : {},
      );
    }
  };
}

function describeOutcome(outcome: ProcessOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'granted':
    case 'dry-run':
    case 'scheduled':
    case 'duplicate':
      return { outcome: outcome.kind, leaseId: outcome.lease.id, status: outcome.lease.status, startsAt: outcome.lease.startsAt, expiresAt: outcome.lease.expiresAt };
    case 'extended':
      return { outcome: 'extended', leaseId: outcome.lease.id, previousExpiresAt: outcome.previousExpiresAt, expiresAt: outcome.lease.expiresAt };
    case 'not-extended':
      return { outcome: 'not-extended', leaseId: outcome.lease.id, reason: outcome.reason, expiresAt: outcome.lease.expiresAt };
    case 'failed':
      return { outcome: 'failed', leaseId: outcome.lease.id, reason: outcome.reason };
    case 'denied':
      return { outcome: 'denied', code: outcome.code, reason: outcome.reason };
    case 'not-found':
      return { outcome: 'denied', code: 'ticket-not-found', reason: outcome.reason };
    case 'closed':
      return { outcome: 'closed', revoked: outcome.revoked, ...(outcome.unreadable === undefined ? {} : { unreadable: outcome.unreadable }) };
    case 'ignored':
      return { outcome: 'ignored', reason: outcome.reason };
    case 'already-decided':
      return { outcome: 'already-decided', code: outcome.code, reason: outcome.reason };
    case 'replayed':
      return { outcome: 'duplicate-delivery' };
  }
}
