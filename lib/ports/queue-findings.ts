/**
 * A queue item that is not what its queue holds: its key is none of the queue's, or its body
 * disagrees with its key (it names another lease or ticket, or lacks what the queue writes). Only a
 * writer of the table makes one. The queue's read takes it off the queue by its own key (never by
 * what its body says) and reports it, so that it can neither stay first in line nor pass unseen. One
 * under a key the sweep may not write stays on the queue: it is read past (a read's budget is finite:
 * see `readDue`) and reported on every run until an operator deletes it.
 */
export interface QueueFinding {
  /** The queue it was found on: `evidence`, `revoke-comment`, `review` or `close`. */
  readonly queue: string;
  /** The item's own key (never its body: whoever wrote it chose that); '' for a count of `skipped` items. */
  readonly key: string;
  /** Whether it left the queue; false: the write was refused (it is read past, and reported again on the next run). */
  readonly dropped: boolean;
  /**
   * Present when the finding stands for items the read skipped unread: how many. Past a read's first
   * page, the query leaves out items under keys of another kind than the queue's (keys the sweep may
   * not write, so cannot drop); they stay on the queue, and are counted again on the next run.
   */
  readonly skipped?: number;
}

/** Told of each finding a queue's read came upon (the sweep logs and counts them). */
export type OnQueueFinding = (finding: QueueFinding) => void;
