import type { TicketSourceName } from '../domain/ticket.js';
import type { OnQueueFinding } from './queue-findings.js';

/** A ticket's close, remembered by its immutable id (see CloseMarks). */
export interface CloseMark {
  readonly source: TicketSourceName;
  readonly ticketId: string;
  /** The keys the ticket was known by when it closed (current first): the ticket index files older leases under them. */
  readonly ticketKeys: readonly string[];
  /** When the close was handled (the latest close of the ticket). */
  readonly closedAt: string;
  readonly by: string;
}

/**
 * Closes of tickets, written before the close lists the ticket's leases: a grant that created its
 * lease while the close ran (its create after the close's list, or missed by the eventually
 * consistent ticket index) reads the mark, strongly, before it makes the lease ACTIVE; and the sweep
 * lists the ticket's leases again once the mark is due (the index has caught up), then takes it
 * off its queue. Errors: LeaseStoreError.
 */
export interface CloseMarks {
  /** Records (or moves forward) the ticket's close; due for the sweep at `dueAt`. */
  mark(mark: CloseMark, dueAt: Date): Promise<void>;
  /** The ticket's close mark, read strongly consistent. */
  get(source: TicketSourceName, ticketId: string): Promise<CloseMark | undefined>;
  /** Marks due at or before `before`, earliest first, at most `limit`; items not the queue's are dropped and told to `onFinding`. */
  due(before: Date, limit: number, onFinding?: OnQueueFinding): Promise<readonly CloseMark[]>;
  /** Due again at `dueAt` (a look that failed), unless the mark has left the queue or the ticket closed again since `mark` was read. */
  postpone(mark: CloseMark, dueAt: Date): Promise<void>;
  /** Off the sweep's queue, unless the ticket closed again since `mark` was read (that close stays due). The mark itself stays until it expires. */
  done(mark: CloseMark): Promise<void>;
}
