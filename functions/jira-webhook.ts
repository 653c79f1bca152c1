import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { webhookContainer } from '../lib/webhook-container.js';
import { apiGatewayWebhook } from '../lib/http/api-gateway.js';
import { prepareDuringInit } from '../lib/http/lambda-init.js';

// Secrets, ITSM clients and cluster access are read in parallel while Lambda initialises.
await prepareDuringInit(() => webhookContainer().prepare({ webhooks: ['jira'] }));

/**
 * `POST /webhooks/jira` (HTTP API). The Jira source (`lib/sources/jira/jira-source.ts`) authenticates each delivery and
 * names its ticket; the shared pipeline (`lib/http/webhook-handler.ts`) then hands it to the use
 * case `lib/use-cases/process-ticket.ts`, which acts on what the Jira API says.
 */
export const handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> = apiGatewayWebhook('jira', () => webhookContainer().webhooks.jira);
