import type { ServiceNowCatalog } from '../../domain/catalog.js';
import type { Clock } from '../../ports/clock.js';
import type { SourceModule } from '../../ports/webhook-source.js';
import type { ServiceNowClient } from './servicenow-client.js';
import { ServiceNowTicketSource } from './servicenow-ticket-source.js';
import { ServiceNowReviewTasks } from './servicenow-review.js';
import {
  parseServiceNowHint,
  SERVICENOW_DELIVERY_HEADER,
  SERVICENOW_SIGNATURE_HEADER,
  SERVICENOW_TIMESTAMP_HEADER,
  verifyServiceNowSignature,
} from './servicenow-webhook.js';

export interface ServiceNowSourceOptions {
  readonly catalog: ServiceNowCatalog;
  readonly instanceUrl: string;
  /** The user kube-lease signs in as (`SERVICENOW_USER`, a `user_name`): never an approver. */
  readonly user?: string;
  /** The Table API client (every call retried by one policy). */
  readonly client: ServiceNowClient;
  /** The Table API credentials (the password may come from SSM), for `prepare`. */
  readonly credentials: () => Promise<unknown>;
  readonly webhookSecret: () => Promise<string>;
  readonly clock: Clock;
}

/**
 * ServiceNow change requests as one source: records read through the Table API, and the signed
 * hints of the business rule in `deploy/`. What a change's state means comes from the catalog's
 * `servicenow` section: approved, closed (Closed, Canceled, a rejected approval: access ends) or
 * neither, decided in `servicenow-states.ts`.
 */
export function makeServiceNowSource(options: ServiceNowSourceOptions): SourceModule {
  const { clock } = options;
  return {
    name: 'servicenow',
    tickets: new ServiceNowTicketSource(options.client, options.catalog, options.instanceUrl, options.user),
    reviews: new ServiceNowReviewTasks(options.client, options.instanceUrl, options.user),
    webhook: {
      authenticate: async (request) =>
        verifyServiceNowSignature(
          request.body,
          {
            signature: request.headers[SERVICENOW_SIGNATURE_HEADER],
            timestamp: request.headers[SERVICENOW_TIMESTAMP_HEADER],
            deliveryId: request.headers[SERVICENOW_DELIVERY_HEADER],
          },
          await options.webhookSecret(),
          clock.now().getTime(),
        ),
      hint: parseServiceNowHint,
      deliveryId: (request) => request.headers[SERVICENOW_DELIVERY_HEADER],
    },
    prepare: { webhook: options.webhookSecret, tickets: options.credentials },
  };
}
