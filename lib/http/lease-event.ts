import * as z from 'zod';
import { isLeaseId } from '../domain/names.js';
import { PayloadError } from '../errors.js';

/** The input our EventBridge rules send: `{ "leaseId": "<20 hex>" }`. */
const leaseEventSchema = z.object({ leaseId: z.string().refine(isLeaseId, 'not a lease id') });

export function parseLeaseEvent(event: unknown): string {
  const parsed = leaseEventSchema.safeParse(event);
  if (!parsed.success) throw new PayloadError(`lease timers send {"leaseId": "<lease id>"}: ${parsed.error.issues[0]?.message ?? 'wrong shape'}`);
  return parsed.data.leaseId;
}

/** The same, for a target that refuses a wrong event rather than throw (a retry cannot fix it). */
export function readLeaseEvent(event: unknown): { readonly leaseId: string } | { readonly refused: string } {
  try {
    return { leaseId: parseLeaseEvent(event) };
  } catch (error) {
    if (error instanceof PayloadError) return { refused: error.message };
    throw error;
  }
}
