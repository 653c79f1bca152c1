import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { PayloadError } from '../../errors.js';
import type { Authentication, Hint } from '../../ports/webhook-source.js';

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

/** A signed timestamp this far ahead of our clock is refused too (clock skew beyond reason). */
export const MAX_FUTURE_SKEW_SECONDS = 300;

/**
 * Authenticates a Jira delivery: the HMAC over the raw body, then the body's own (signed)
 * `timestamp`, which must be at most `maxAgeSeconds` old. Jira re-sends a failed delivery with the
 * same body for a while (up to about 30 minutes), so the window must admit those retries. The
 * replay key is the HMAC itself: the same signed body is the same delivery, whatever its
 * (unsigned) delivery-id header says.
 */
export function authenticateJiraDelivery(rawBody: Buffer, header: string | undefined, secret: string, nowMs: number, maxAgeSeconds: number): Authentication {
  if (!verifyJiraSignature(rawBody, header, secret)) return { ok: false, reason: 'missing or wrong X-Hub-Signature' };
  const replayKey = createHmac('sha256', secret).update(rawBody).digest('hex');
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    // Signed but not JSON: the pipeline refuses it with 400 before any work.
    return { ok: true, replayKey };
  }
  const timestamp = typeof body === 'object' && body !== null ? (body as { timestamp?: unknown }).timestamp : undefined;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return { ok: false, reason: 'the signed body carries no timestamp' };
  const ageSeconds = (nowMs - timestamp) / 1000;
  if (ageSeconds > maxAgeSeconds) return { ok: false, reason: `the signed timestamp is ${Math.round(ageSeconds)} s old (more than ${maxAgeSeconds} s: a replay)` };
  if (-ageSeconds > MAX_FUTURE_SKEW_SECONDS) return { ok: false, reason: `the signed timestamp is ${Math.round(-ageSeconds)} s in the future` };
  return { ok: true, replayKey };
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
export function parseJiraHint(body: unknown, interesting: readonly string[], projects?: readonly string[]): Hint {
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
  // Outside the catalog's projects: ignored before any read (the API's project is checked again).
  const project = payload.issue.key.split('-')[0]?.toUpperCase() ?? '';
  if (projects !== undefined && !projects.includes(project)) return { kind: 'ignore', reason: `project ${project.slice(0, 60)} is not in the catalog's jira.projects` };
  const statusChange = payload.changelog?.items.find((item) => item.field === 'status');
  if (statusChange === undefined) return { kind: 'ignore', reason: 'no status change' };
  const status = statusChange.toString ?? '';
  if (!interesting.includes(status)) return { kind: 'ignore', reason: `status "${status.slice(0, 60)}" is neither an approved nor a closed status` };
  // The issue id (numeric; kept as text) names the issue whatever its key: its leases are read by it.
  const id = payload.issue.id === undefined ? undefined : String(payload.issue.id);
  return { kind: 'ticket', key: payload.issue.key, ...(id !== undefined && /^[1-9][0-9]{0,18}$/.test(id) ? { ticketId: id } : {}) };
}
