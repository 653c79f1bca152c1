import { loadConfig, type Config } from './config.js';
import { buildCore, type ContainerOverrides, type Core } from './core-container.js';
import type { TicketSourceName } from './domain/ticket.js';
import { buildGrant, type GrantParts } from './grant-container.js';
import { makeWebhookHandler } from './http/webhook-handler.js';
import type { HttpRequest, HttpResponse } from './ports/http.js';
import { makeCloseTicket } from './use-cases/close-ticket.js';
import { makeProcessTicket, type ProcessOutcome, type ProcessTicketInput } from './use-cases/process-ticket.js';

/** Webhook handlers by ticket source: each authenticates a delivery, then processes its ticket. */
export type WebhookHandlers = Readonly<Partial<Record<TicketSourceName, (request: HttpRequest) => Promise<HttpResponse>>>>;

/** What a webhook runs beyond the grant: processing a ticket (grant, extend or close) and the handler of each source. */
export interface WebhookParts {
  readonly processTicket: (input: ProcessTicketInput) => Promise<ProcessOutcome>;
  readonly webhooks: WebhookHandlers;
}

/** Builds ticket processing and one webhook handler per configured source; a handler starts its source's preparation on first use. */
export function buildWebhooks(core: Core, grant: GrantParts): WebhookParts {
  const { config, tickets, audit, clock, leases, logger, shared } = core;
  const closeTicket = makeCloseTicket({ ...shared, revokeLease: core.revokeLease });
  const processTicket = makeProcessTicket({ tickets, audit, clock, leases, grantAccess: grant.grantAccess, closeTicket });
  const common = {
    processTicket,
    leases,
    audit,
    clock,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    deliveryTtlSeconds: config.deliveryTtlSeconds,
    claimStaleSeconds: config.pendingGraceSeconds,
  };
  const webhooks: Partial<Record<TicketSourceName, (request: HttpRequest) => Promise<HttpResponse>>> = {};
  for (const source of core.sources) {
    const handle = makeWebhookHandler({ ...common, source: source.name, webhook: source.webhook });
    webhooks[source.name] = (request) => {
      void core.prepare({ webhooks: [source.name] });
      return handle(request);
    };
  }
  return { processTicket, webhooks };
}

/** The webhook functions' root: the core, the grant and the webhook handlers, nothing of the sweep's or the review's. */
export interface WebhookContainer extends WebhookParts {
  readonly config: Config;
  readonly prepare: Core['prepare'];
}

/** Builds what a webhook function runs (see buildContainer for every part at once). */
export function buildWebhookContainer(config: Config, overrides: ContainerOverrides = {}): WebhookContainer {
  const core = buildCore(config, overrides);
  return { config, prepare: core.prepare, ...buildWebhooks(core, buildGrant(core)) };
}

let lambdaWebhooks: WebhookContainer | undefined;

/** The root of the webhook Lambda functions: configuration from the environment, built on first use. */
export function webhookContainer(): WebhookContainer {
  lambdaWebhooks ??= buildWebhookContainer(loadConfig(process.env));
  return lambdaWebhooks;
}
