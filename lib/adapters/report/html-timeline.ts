import type { AccessReport, LeaseRow } from '../../domain/access-report.js';
import { escapeHtml, formatInstant } from './report-format.js';

/** The SVG's geometry, shared with the day view (html-days.ts). */
export const WIDTH = 1000;
export const LABEL = 180;
export const RIGHT = 28;
export const AXIS = 26;
export const ROW = 24;
export const BAR = 14;
/** The narrowest bar drawn, so the shortest lease is still seen and can be clicked; a lease drawn wider than its time is also in the day view. */
export const MIN_BAR = 6;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
const STEPS = [HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 182 * DAY, 364 * DAY];
const MAX_TICKS = 12;

/** Where a lease's bar runs: its access (or, without access, its record) clipped to the period. */
export function barSpan(row: LeaseRow, from: number, to: number, now: number): [number, number] {
  const start = Date.parse(row.startedAt ?? row.requestedAt);
  const end = row.endedAt === null ? Math.max(start, now) : Date.parse(row.endedAt);
  return [Math.max(from, Math.min(start, to)), Math.max(from, Math.min(end, to))];
}

export function clipLabel(text: string, max = 26): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function ticks(from: number, to: number): number[] {
  const step = STEPS.find((s) => (to - from) / s <= MAX_TICKS) ?? STEPS[STEPS.length - 1] ?? DAY;
  const first = Math.ceil(from / step) * step;
  const out: number[] = [];
  for (let t = first; t <= to; t += step) out.push(t);
  return out;
}

function tickLabel(t: number, from: number, to: number): string {
  const iso = new Date(t).toISOString();
  return to - from > 3 * DAY ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** The pixels per millisecond of the timeline of a period. */
export function scaleOf(from: number, to: number): number {
  return (WIDTH - LABEL - RIGHT) / (to - from);
}

/** A bar's `<title>`: ticket, profile, outcome and its times. */
export function barTitle(row: LeaseRow): string {
  return `${row.ticketKey} · ${row.profile} · ${row.outcome} · ${formatInstant(row.startedAt ?? row.requestedAt)} → ${row.endedAt === null ? 'open' : formatInstant(row.endedAt)}`;
}

/**
 * The timeline as inline SVG: a row per requester (alphabetical), a bar per lease from the start of
 * its access (or its request, when it never had access) to its end (or now), coloured by outcome
 * through the `o-<outcome>` classes; each bar's `<title>` names the lease. Times are UTC. Each bar
 * links to its lease's row in the table; a bar drawn wider than its time ({@link MIN_BAR}) links
 * to its day in the day view (`shortDay` says which day, or undefined when it is not short).
 */
export function renderTimeline(report: AccessReport, shortDay: (row: LeaseRow) => string | undefined = () => undefined): string {
  const from = Date.parse(report.period.from);
  const to = Date.parse(report.period.to);
  const now = Date.parse(report.generatedAt);
  const requesters = [...new Set(report.leases.map((r) => r.requester))].sort((a, b) => a.localeCompare(b));
  if (requesters.length === 0) return '<p class="empty">No lease overlapped this period.</p>';
  const rowsEnd = AXIS + requesters.length * ROW;
  const height = rowsEnd + 16;
  const x = (t: number): number => LABEL + (t - from) * scaleOf(from, to);
  const parts: string[] = [];
  for (const t of ticks(from, to)) {
    const px = x(t).toFixed(1);
    parts.push(`<line class="grid" x1="${px}" y1="${AXIS - 6}" x2="${px}" y2="${rowsEnd}"/>`);
    parts.push(`<text class="tick" x="${px}" y="${AXIS - 10}" text-anchor="middle">${tickLabel(t, from, to)}</text>`);
  }
  requesters.forEach((requester, i) => {
    const y = AXIS + i * ROW;
    if (i % 2 === 1) parts.push(`<rect class="band" x="0" y="${y}" width="${WIDTH}" height="${ROW}"/>`);
    parts.push(`<text class="who" x="${LABEL - 8}" y="${y + ROW / 2 + 4}" text-anchor="end">${escapeHtml(clipLabel(requester))}<title>${escapeHtml(requester)}</title></text>`);
    for (const row of report.leases.filter((r) => r.requester === requester)) {
      const [start, end] = barSpan(row, from, to, now);
      const left = x(start);
      const width = Math.max(MIN_BAR, x(end) - left);
      const day = shortDay(row);
      const href = day === undefined ? `#lease-${row.leaseId}` : `#day-${day}`;
      parts.push(
        `<a href="${escapeHtml(href)}"><rect class="bar o-${row.outcome}" data-lease-id="${escapeHtml(row.leaseId)}" x="${left.toFixed(1)}" y="${y + (ROW - BAR) / 2}" width="${width.toFixed(1)}" height="${BAR}" rx="2"><title>${escapeHtml(barTitle(row))}</title></rect></a>`,
      );
    }
  });
  if (now > from && now < to) {
    const px = x(now).toFixed(1);
    parts.push(`<line class="now" x1="${px}" y1="${AXIS - 6}" x2="${px}" y2="${rowsEnd}"/><text class="tick" x="${px}" y="${height - 3}" text-anchor="middle">now</text>`);
  }
  return `<svg class="timeline" role="img" aria-label="Leases over the period, one row per requester" viewBox="0 0 ${WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}
