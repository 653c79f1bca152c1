import type { Profile, SubjectTemplate } from './catalog.js';
import { deny, type Decision } from './decision.js';
import { formatDuration, parseDuration } from './duration.js';
import type { Subject } from './lease.js';
import type { Person, TicketSnapshot } from './ticket.js';
import { LATEST_STORED_TIME, parseTicketDate } from './ticket-date.js';
import { isSubjectName } from './names.js';

/*
 * What a ticket asks for, resolved against its profile: the window, the namespaces, the duration
 * and the subject. Each answers a value, or a denial saying what is wrong.
 */

/** `[max(now, start), min(start + duration, end)]`; the duration is already within the profile maximum. */
export function accessWindow(
  ticket: TicketSnapshot,
  now: Date,
  durationSeconds: number,
): { start: number; end: number; clipped: boolean; windowEnd: number | undefined } | Decision {
  const start = ticket.windowStart?.trim() ? parseTicketDate(ticket.windowStart) : null;
  const end = ticket.windowEnd?.trim() ? parseTicketDate(ticket.windowEnd) : null;
  if (start === undefined) return deny('bad-date', `the change start "${clipText(ticket.windowStart ?? '')}" is not a date between 1970 and 9999`);
  if (end === undefined) return deny('bad-date', `the change end "${clipText(ticket.windowEnd ?? '')}" is not a date between 1970 and 9999`);
  if (end !== null && end <= now.getTime()) {
    return deny('window-ended', `the change window ended at ${new Date(end).toISOString()}`);
  }
  const from = Math.max(now.getTime(), start ?? now.getTime());
  if (end !== null && end <= from) return deny('window-ended', 'the change window ends before it starts');
  const byDuration = from + durationSeconds * 1000;
  const until = end === null ? byDuration : Math.min(byDuration, end);
  // A lease record holds four-digit years only (see LATEST_STORED_TIME).
  if (until > Date.parse(LATEST_STORED_TIME)) return deny('bad-date', 'the access would end after the year 9999');
  return { start: from, end: until, clipped: until < byDuration, windowEnd: end ?? undefined };
}

export function chooseNamespaces(profile: Profile, requested: readonly string[] | undefined): readonly string[] | Decision {
  const wanted = (requested ?? []).map((n) => n.trim()).filter((n) => n !== '');
  if (wanted.length === 0) return profile.namespaces;
  const outside = wanted.filter((n) => !profile.namespaces.includes(n));
  if (outside.length > 0) {
    return deny(
      'namespace-not-allowed',
      `namespace(s) ${outside.map((n) => `"${clipText(n)}"`).join(', ')} are not in profile "${profile.name}" (allowed: ${profile.namespaces.join(', ')})`,
    );
  }
  return [...new Set(wanted)].sort();
}

export function chooseDuration(profile: Profile, requested: string | undefined): number | Decision {
  if (requested === undefined || requested.trim() === '') return profile.defaultDuration;
  const seconds = parseDuration(requested);
  if (seconds === undefined || seconds <= 0) {
    return deny('bad-duration', `"${clipText(requested)}" is not a duration (use e.g. 90m, 2h or PT2H)`);
  }
  if (seconds > profile.maxDuration) {
    return deny(
      'duration-over-max',
      `requested duration ${formatDuration(seconds)} exceeds the maximum of ${formatDuration(profile.maxDuration)} for profile "${profile.name}"`,
    );
  }
  return seconds;
}

/** Renders the catalog's subject template; undefined when a placeholder has no value. */
export function renderSubject(template: SubjectTemplate, person: Person): Subject | undefined {
  const values: Record<string, string | undefined> = {
    email: person.email?.toLowerCase(),
    accountId: person.id,
    emailLocalPart: person.email?.split('@')[0]?.toLowerCase(),
  };
  let missing = false;
  const name = template.name.replace(/\{([^}]+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  // `system:` names belong to Kubernetes itself (nodes, controllers, masters): never bind to them.
  // eslint-disable-next-line no-control-regex
  // Nor to a name with hidden or reordering characters: it would be shown on the ticket as another.
  if (missing || !isSubjectName(name) || name.toLowerCase().startsWith('system:')) {
    return undefined;
  }
  return { kind: template.kind, name };
}

/** Ticket text repeated in a reason is clipped so a hostile field cannot flood comments or logs. */
export function clipText(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
