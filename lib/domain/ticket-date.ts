/**
 * Dates as ITSM APIs write them: ServiceNow's Table API `YYYY-MM-DD HH:MM:SS` (always UTC, no
 * zone), Jira's `2026-11-28T10:00:00.000+0000`, or any ISO-8601 time with a zone. Returns epoch
 * milliseconds, or undefined when the text is not such a date (callers deny with a clear reason).
 */
const SERVICENOW = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseTicketDate(text: string): number | undefined {
  const trimmed = text.trim();
  const sn = SERVICENOW.exec(trimmed);
  if (sn !== null) {
    const [, y, mo, d, h, mi, s] = sn.map(Number) as [number, number, number, number, number, number, number];
    return exact(y, mo, d, h, mi, s, 0, 0);
  }
  const iso = ISO_WITH_ZONE.exec(trimmed);
  if (iso === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = iso;
  const offsetMinutes = zone === undefined || zone === 'Z' ? 0 : zoneMinutes(zone);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  return exact(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? 0), ms, offsetMinutes);
}

function zoneMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

/** Builds the instant, refusing impossible calendar values (2026-02-30, 25:00) instead of rolling them over. */
function exact(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMinutes: number): number | undefined {
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(local);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || check.getUTCHours() !== h || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) {
    return undefined;
  }
  const instant = local - offsetMinutes * 60_000;
  // Within the four-digit years an ISO time (toISOString) can write as kube-lease stores times: a zone
  // can move 9999-12-31T23:00-12:00 into year 10000, which no stored time may hold.
  return instant >= LATEST_EPOCH_MS || instant < 0 ? undefined : instant;
}

/** 10000-01-01T00:00:00.000Z: the first instant toISOString writes with more than four year digits. */
const LATEST_EPOCH_MS = Date.UTC(10000, 0, 1);

/** The latest time a lease record holds (a four-digit year): a later one is stored as this, and read as "indefinitely". */
export const LATEST_STORED_TIME = new Date(LATEST_EPOCH_MS - 1).toISOString();
