import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { PayloadError } from '../../errors.js';
import type { Authentication, Hint } from '../../ports/webhook-source.js';

/** Headers the business rule in deploy/servicenow-business-rule.js sends (lower case, as Node sees them). */
export const SERVICENOW_SIGNATURE_HEADER = 'x-kubelease-signature';
export const SERVICENOW_TIMESTAMP_HEADER = 'x-kubelease-timestamp';
export const SERVICENOW_DELIVERY_HEADER = 'x-kubelease-delivery';

/** How far the signed timestamp may be from our clock before a delivery counts as a replay. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * The signature our ServiceNow business rule sends: base64 HMAC-SHA256 over
 * `<timestamp>.<delivery id>.<raw body>` (what `GlideCertificateEncryption.generateMac` produces
 * with the base64 of the shared secret as key). The delivery id is signed, so a captured request
 * cannot be sent again under a new id.
 */
export function signServiceNowBody(timestamp: string, deliveryId: string, rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.`).update(rawBody).digest('base64');
}

/**
 * Constant-time check of signature, timestamp and delivery id; any malformed header is simply a
 * failure. The replay key is the signature: one signed request is one delivery.
 */
export function verifyServiceNowSignature(
  rawBody: Buffer,
  headers: { readonly signature: string | undefined; readonly timestamp: string | undefined; readonly deliveryId: string | undefined },
  secret: string,
  nowMs: number,
): Authentication {
  const { signature, timestamp, deliveryId } = headers;
  if (signature === undefined || timestamp === undefined || deliveryId === undefined) return { ok: false, reason: 'missing signature, timestamp or delivery header' };
  if (!/^\d{9,11}$/.test(timestamp.trim())) return { ok: false, reason: 'timestamp is not a Unix time in seconds' };
  if (!/^[A-Za-z0-9-]{1,64}$/.test(deliveryId.trim())) return { ok: false, reason: 'delivery id is not a GUID' };
  const skew = Math.abs(nowMs / 1000 - Number(timestamp.trim()));
  if (skew > MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: `timestamp is ${Math.round(skew)} s away from now (replay or clock skew)` };
  const given = Buffer.from(signature.trim(), 'base64');
  const expected = createHmac('sha256', secret).update(`${timestamp.trim()}.${deliveryId.trim()}.`).update(rawBody).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'wrong signature' };
  return { ok: true, replayKey: expected.toString('hex') };
}

const payloadSchema = z.looseObject({
  sys_id: z.string().regex(/^[0-9a-f]{32}$/, 'not a sys_id'),
  table: z.literal('change_request').optional(),
  number: z.string().max(40).optional(),
});

/** The change the hint is about; everything else in the payload is ignored. */
export function parseServiceNowHint(body: unknown): Hint {
  const parsed = payloadSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError(`payload is not a kube-lease ServiceNow hint: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'wrong shape'}`);
  }
  return { kind: 'ticket', key: parsed.data.sys_id, ticketId: parsed.data.sys_id, ...(parsed.data.number === undefined ? {} : { displayKey: parsed.data.number }) };
}
