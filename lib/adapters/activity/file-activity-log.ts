import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { inWindow, type AuditEvent } from '../../domain/activity.js';
import { ActivityLogError } from '../../errors.js';
import type { ActivityQuery } from '../../ports/activity-log.js';
import { auditEventOfLine, type AuditLogRead } from './audit-lines.js';

function unreadable(path: string, error: unknown): ActivityLogError {
  const code = (error as { code?: unknown } | null)?.code;
  const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'may not be read by kube-lease' : code === 'EISDIR' ? 'is a directory' : 'could not be read';
  return new ActivityLogError(`audit log file ${path} ${why}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error });
}

/**
 * The user's events in the window from a kube-apiserver audit log file (`--audit-log-path`, JSON
 * lines), read line by line so a large file is never held in memory. Only this one file is read:
 * rotated siblings (`audit-<time>.log`, kept per `--audit-log-maxbackup`) are not, so events rotated
 * out of it before the read are missing; set the API server's rotation to keep at least a lease's span.
 * A file that is missing or unreadable is a non-retryable ActivityLogError naming the path.
 */
export async function readAuditFile(path: string, query: Pick<ActivityQuery, 'username' | 'from' | 'to'>): Promise<AuditLogRead> {
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
  const events: AuditEvent[] = [];
  let skipped = 0;
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const event = auditEventOfLine(line);
      if (event === undefined) skipped += 1;
      else if (inWindow(event, query.username, query.from, query.to)) events.push(event);
    }
  } catch (error) {
    failure ??= error;
  } finally {
    lines.close();
    input.destroy();
    await handle.close().catch(() => undefined);
  }
  if (failure !== undefined) throw unreadable(path, failure);
  return { events, skipped };
}
