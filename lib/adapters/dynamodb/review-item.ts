import * as z from 'zod';
import { TICKET_SOURCES } from '../../domain/ticket.js';

/** A lease's review task as stored on the lease item (see ReviewTask). */
export const reviewTaskSchema = z.object({
  system: z.enum(TICKET_SOURCES),
  key: z.string(),
  id: z.string(),
  url: z.string(),
  recordedAt: z.string(),
  evidenceAt: z.string().optional(),
  doneAt: z.string().optional(),
  refusedClosing: z.string().optional(),
});

/**
 * A lease's place on the review queue: `lease#<id>#review`, under the `lease#` keys every writer may
 * already touch (IAM's dynamodb:LeadingKeys stay as they are), with `record` set so that nothing
 * that reads lease items (the report's scan) takes it for one.
 */
export const reviewKey = (id: string): string => `lease#${id}#review`;
export const REVIEW_RECORD = 'review';
/** Review queue items due for work, or for a check of their task. */
export const REVIEW_DUE_STATUS = 'REVIEW_DUE';
/** Review queue items of leases found unreviewed for too long (counted into UnreviewedEmergencyLeases). */
export const REVIEW_OVERDUE_STATUS = 'REVIEW_OVERDUE';
