import type { JiraCatalog } from '../../domain/catalog.js';
import type { Clock } from '../../ports/clock.js';
import type { SourceModule } from '../../ports/webhook-source.js';
import type { RetryPolicy } from '../../retry.js';
import { JiraTicketSource, type JiraClient, type ServiceDeskClient } from './jira-ticket-source.js';
import { authenticateJiraDelivery, parseJiraHint } from './jira-webhook.js';
import { JiraReviewTasks, type JiraReviewClient } from './jira-review.js';

/** Header Jira sends with the delivery's id (unsigned: for logs and the audit trail only). */
const DELIVERY_HEADER = 'x-atlassian-webhook-identifier';

export interface JiraSourceOptions {
  readonly catalog: JiraCatalog;
  readonly baseUrl: string;
  /** The account kube-lease signs in as (`JIRA_EMAIL`): never an approver. */
  readonly email?: string;
  /** The REST API v2 client, resolved on first use (its token may come from SSM). */
  readonly api: () => Promise<JiraClient>;
  /** The same, based at `/rest/servicedeskapi` (Jira Service Management approvals). */
  readonly serviceDesk: () => Promise<ServiceDeskClient>;
  /** The client review tasks are created with (the REST API v2 client); with `catalog.review`, they are. */
  readonly reviewApi?: () => Promise<JiraReviewClient>;
  readonly webhookSecret: () => Promise<string>;
  /** The oldest signed `timestamp` a delivery may carry. */
  readonly webhookMaxAgeSeconds: number;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
}

/**
 * Jira (Cloud, Server/DC, Service Management) as one source: its tickets read through the REST API
 * and its webhooks. What its statuses mean comes from the catalog's `jira` section: approved,
 * closed (ends access early) or neither, decided in `JiraTicketSource.getTicket`.
 */
export function makeJiraSource(options: JiraSourceOptions): SourceModule {
  const { catalog, clock } = options;
  const tickets = new JiraTicketSource(options.api, catalog, options.baseUrl, options.serviceDesk, options.retry, options.email);
  const interesting = [...catalog.approvedStatuses, ...catalog.closedStatuses, ...catalog.onCallStatuses, ...catalog.breakGlassStatuses];
  return {
    name: 'jira',
    tickets,
    reviews: catalog.review === undefined || options.reviewApi === undefined ? undefined : new JiraReviewTasks(options.reviewApi, catalog.review, options.baseUrl, tickets.own, options.retry),
    webhook: {
      authenticate: async (request) =>
        authenticateJiraDelivery(request.body, request.headers['x-hub-signature'], await options.webhookSecret(), clock.now().getTime(), options.webhookMaxAgeSeconds),
      hint: (body) => parseJiraHint(body, interesting, catalog.projects),
      deliveryId: (request) => request.headers[DELIVERY_HEADER],
    },
    prepare: { webhook: options.webhookSecret, tickets: options.api },
  };
}
