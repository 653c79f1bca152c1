import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { remainingOf, withDeadline } from '../deadline.js';
import { json, type HttpRequest, type HttpResponse } from '../ports/http.js';

/** API Gateway HTTP API (payload v2) → transport-neutral request, keeping the raw body bytes for the HMAC. */
export function fromApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const raw = event.body ?? '';
  return {
    method: event.requestContext?.http?.method ?? 'POST',
    headers,
    body: Buffer.from(raw, event.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

export function toApiGateway(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}

/** A transport-neutral webhook handler, or undefined when its source is not configured. */
export type WebhookHandlerOf = () => ((request: HttpRequest) => Promise<HttpResponse>) | undefined;

/**
 * A Lambda handler for one source's webhook. `handlerOf` is called on each invocation (the
 * container is built on the first); a source missing from the configuration answers 404.
 */
export function apiGatewayWebhook(
  name: string,
  handlerOf: WebhookHandlerOf,
): (event: APIGatewayProxyEventV2, context?: { getRemainingTimeInMillis?: () => number }) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    const handle = handlerOf();
    if (handle === undefined) return toApiGateway(json(404, { error: `${name} is not configured` }));
    // Retries stop early enough to answer 503 before API Gateway gives up on us.
    return toApiGateway(await withDeadline(remainingOf(context), () => handle(fromApiGateway(event))));
  };
}
