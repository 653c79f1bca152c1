import { z } from 'zod';
import { isLeaseId } from '../domain/names.js';

/** The input our EventBridge rule sends: `{ "leaseId": "<20 hex>" }`. */
const revokeEventSchema = z.object({ leaseId: z.string().refine(isLeaseId, 'not a lease id') });

export function parseRevokeEvent(event: unknown): string {
  const parsed = revokeEventSchema.safeParse(event);
  if (!parsed.success) throw new Error(`revokeLease expects {"leaseId": "<lease id>"}: ${parsed.error.issues[0]?.message ?? 'wrong shape'}`);
  return parsed.data.leaseId;
}
