import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { PayloadError, type Hint } from '../../http/webhook-handler.js';

/**
 * Checks Jira's `X-Hub-Signature: sha256=<hex>` (HMAC-SHA256 of the raw body with the webhook
 * secret) in constant time. Any malformed header is simply a mismatch.
 */
export function verifyJiraSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (match?.[1] === undefined) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Computes the header value Jira would send; used by tests, the demo and the fake Jira. */
export function signJiraBody(rawBody: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

const payloadSchema = z.looseObject({
  webhookEvent: z.string().max(200),
  timestamp: z.number().optional(),
  issue: z
    .looseObject({
      id: z.union([z.string(), z.number()]).optional(),
      // An issue key (project key, dash, number): anything else never reaches an API URL.
      key: z.string().max(100).regex(/^[A-Za-z][A-Za-z0-9_]*-[1-9][0-9]*$/, 'not a Jira issue key'),
    })
    .optional(),
  changelog: z
    .looseObject({
      id: z.union([z.string(), z.number()]).optional(),
      items: z
        .array(
          z.looseObject({
            field: z.string().max(200).nullable().optional(),
            toString: z.string().max(1000).nullable().optional(),
          }),
        )
        .max(500),
    })
    .optional(),
});


/**
 * Reads a webhook payload as a hint only: which issue moved into an approved or a closed status.
 * Nothing in it is trusted for the decision; the issue is re-read from the API.
 */
export function parseJiraHint(body: unknown, interesting: readonly string[]): Hint {
  const parsed = payloadSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError(`payload is not a Jira webhook: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'wrong shape'}`);
  }
  const payload = parsed.data;
  if (payload.webhookEvent !== 'jira:issue_updated') {
    return { kind: 'ignore', reason: `event ${payload.webhookEvent.slice(0, 60)} is not handled` };
  }
  if (payload.issue === undefined) throw new PayloadError('payload is not a Jira webhook: issue is missing');
  const statusChange = payload.changelog?.items.find((item) => item.field === 'status');
  if (statusChange === undefined) return { kind: 'ignore', reason: 'no status change' };
  const status = statusChange.toString ?? '';
  if (!interesting.includes(status)) return { kind: 'ignore', reason: `status "${status.slice(0, 60)}" is neither an approved nor a closed status` };
  return { kind: 'ticket', key: payload.issue.key };
}
