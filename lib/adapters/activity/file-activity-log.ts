import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { inWindow, type AuditEvent } from '../../domain/activity.js';
import { ActivityLogError } from '../../errors.js';
import { UNREADABLE_LINES_KEPT, type UnreadableLine } from '../../domain/activity-unreadable.js';
import type { ActivityQuery, UnreadableQuery, UnreadableRead } from '../../ports/activity-log.js';
import { auditEventOfLine, unreadableMatch, unreadableTerms, type AuditLogRead } from './audit-lines.js';

function unreadable(path: string, error: unknown): ActivityLogError {
  const code = (error as { code?: unknown } | null)?.code;
  const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'may not be read by kube-lease' : code === 'EISDIR' ? 'is a directory' : 'could not be read';
  return new ActivityLogError(`audit log file ${path} ${why}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error });
}

/** Calls `onLine` with each non-blank line of the file, read line by line (a large file is never held in memory). */
async function eachLine(path: string, onLine: (line: string) => void): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    if (!(await handle.stat()).isFile()) throw Object.assign(new Error(`${path} is not a file`), { code: 'EISDIR' });
  } catch (error) {
    await handle?.close();
    throw unreadable(path, error);
  }
  const input = handle.createReadStream({ encoding: 'utf8' });
  // readline does not pass on its input's errors: they are kept and thrown after the loop.
  let failure: unknown;
  input.on('error', (error) => {
    failure = error;
  });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) if (line.trim() !== '') onLine(line);
  } catch (error) {
    failure ??= error;
  } finally {
    lines.close();
    input.destroy();
    await handle.close().catch(() => undefined);
  }
  if (failure !== undefined) throw unreadable(path, failure);
}

/**
 * The user's events in the window from a kube-apiserver audit log file (`--audit-log-path`, JSON
 * lines). Only this one file is read: rotated siblings (`audit-<time>.log`, kept per
 * `--audit-log-maxbackup`) are not, so events rotated out of it before the read are missing; set the
 * API server's rotation to keep at least a lease's span. A file that is missing or unreadable is a
 * non-retryable ActivityLogError naming the path.
 */
export async function readAuditFile(path: string, query: Pick<ActivityQuery, 'username' | 'from' | 'to'>): Promise<AuditLogRead> {
  const events: AuditEvent[] = [];
  let skipped = 0;
  await eachLine(path, (line) => {
    const event = auditEventOfLine(line);
    if (event === undefined) skipped += 1;
    else if (inWindow(event, query.username, query.from, query.to)) events.push(event);
  });
  return { events, skipped };
}

/**
 * The lines of the file that are not audit events and may be the user's requests in the namespaces
 * during the window (see ActivityLog.unreadable): such a line has no time of its own, so it counts
 * when the readable events around it do not put it outside the window (the last before it was
 * received no later than the window's end, the first after it no earlier than its start). The whole
 * file is read: `complete`.
 */
export async function readUnreadableFile(path: string, query: Omit<UnreadableQuery, 'cluster'>): Promise<UnreadableRead> {
  const terms = unreadableTerms(query);
  const kept: UnreadableLine[] = [];
  let count = 0;
  let before = Number.NEGATIVE_INFINITY;
  let pending: UnreadableLine[] = [];
  const settle = (after: number) => {
    if (before <= query.to.getTime() && after >= query.from.getTime()) {
      count += pending.length;
      kept.push(...pending.slice(0, Math.max(0, UNREADABLE_LINES_KEPT - kept.length)));
    }
    pending = [];
  };
  await eachLine(path, (line) => {
    const event = auditEventOfLine(line);
    if (event !== undefined) {
      settle(Date.parse(event.at));
      before = Date.parse(event.at);
      return;
    }
    // Stamped with the last readable time before it (the file gives it no other).
    const found = unreadableMatch(line, new Date(Number.isFinite(before) ? before : query.from.getTime()).toISOString(), terms);
    if (found !== undefined) pending.push(found);
  });
  settle(Number.POSITIVE_INFINITY);
  return { count, lines: kept, complete: true };
}
