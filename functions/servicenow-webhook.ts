import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { container } from '../lib/container.js';
import { apiGatewayWebhook } from '../lib/http/api-gateway.js';

/** `POST /webhooks/servicenow` (HTTP API). */
export const handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> = apiGatewayWebhook('servicenow', () => container().webhooks.servicenow);
