import type { CloseMark, CloseMarks } from '../../lib/ports/close-marks.js';

/** Close marks in memory, as the DynamoDB adapter keeps them: one per ticket id, moved forward only, queued until done. */
export class MemoryCloseMarks implements CloseMarks {
  readonly marks = new Map<string, { mark: CloseMark; dueAt?: string }>();

  private static key(source: string, ticketId: string): string {
    return `${source}#${ticketId}`;
  }

  mark(mark: CloseMark, dueAt: Date): Promise<void> {
    const key = MemoryCloseMarks.key(mark.source, mark.ticketId);
    const held = this.marks.get(key);
    if (held === undefined || held.mark.closedAt < mark.closedAt) this.marks.set(key, { mark, dueAt: dueAt.toISOString() });
    return Promise.resolve();
  }

  get(source: CloseMark['source'], ticketId: string): Promise<CloseMark | undefined> {
    return Promise.resolve(this.marks.get(MemoryCloseMarks.key(source, ticketId))?.mark);
  }

  due(before: Date, limit: number): Promise<readonly CloseMark[]> {
    const due = [...this.marks.values()].filter((m) => m.dueAt !== undefined && m.dueAt <= before.toISOString());
    return Promise.resolve(due.sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? '')).slice(0, limit).map((m) => m.mark));
  }

  postpone(mark: CloseMark, dueAt: Date): Promise<void> {
    const key = MemoryCloseMarks.key(mark.source, mark.ticketId);
    const held = this.marks.get(key);
    if (held?.mark.closedAt === mark.closedAt && held.dueAt !== undefined) this.marks.set(key, { mark: held.mark, dueAt: dueAt.toISOString() });
    return Promise.resolve();
  }

  done(mark: CloseMark): Promise<void> {
    const key = MemoryCloseMarks.key(mark.source, mark.ticketId);
    const held = this.marks.get(key);
    if (held?.mark.closedAt === mark.closedAt) this.marks.set(key, { mark: held.mark });
    return Promise.resolve();
  }
}
