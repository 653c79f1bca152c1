import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { container } from '../lib/container.js';
import { fromApiGateway, toApiGateway } from '../lib/http/api-gateway.js';

/** `POST /webhooks/jira` (HTTP API). */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
  toApiGateway(await container().jiraWebhook(fromApiGateway(event)));
