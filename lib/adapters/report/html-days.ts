import type { AccessReport, LeaseRow } from '../../domain/access-report.js';
import { escapeHtml, formatDuration } from './report-format.js';
import { AXIS, BAR, barSpan, barTitle, clipLabel, DAY, HOUR, LABEL, MIN_BAR, RIGHT, ROW, scaleOf, WIDTH } from './html-timeline.js';

/** Room kept right of a bar for its label; nearer the edge the label goes left of the bar. */
const LABEL_ROOM = 170;

interface Bounds {
  readonly from: number;
  readonly to: number;
  readonly now: number;
}

function boundsOf(report: AccessReport): Bounds {
  return { from: Date.parse(report.period.from), to: Date.parse(report.period.to), now: Date.parse(report.generatedAt) };
}

/**
 * The leases the timeline draws wider than their time (narrower than {@link MIN_BAR} on its scale),
 * by lease id, with the UTC day (`2026-11-03`) their bar starts on. None for a period of a day or
 * less: the day view would be the timeline again.
 */
export function shortLeaseDays(report: AccessReport): ReadonlyMap<string, string> {
  const { from, to, now } = boundsOf(report);
  const days = new Map<string, string>();
  if (to - from <= DAY) return days;
  const scale = scaleOf(from, to);
  for (const row of report.leases) {
    const [start, end] = barSpan(row, from, to, now);
    // A lease whose access begins after the period (scheduled) has no time in it to show.
    if (start >= to) continue;
    if ((end - start) * scale < MIN_BAR) days.set(row.leaseId, new Date(start).toISOString().slice(0, 10));
  }
  return days;
}

/** How long the lease's bar lasts (its access, or its record without access), unclipped; `open` while it lasts. */
function lasted(row: LeaseRow): string {
  if (row.endedAt === null) return 'open';
  return formatDuration(Math.max(0, Date.parse(row.endedAt) - Date.parse(row.startedAt ?? row.requestedAt)));
}

function daySvg(report: AccessReport, day: string, bounds: Bounds): string {
  const dayFrom = Date.parse(`${day}T00:00:00.000Z`);
  const dayTo = dayFrom + DAY;
  const from = Math.max(bounds.from, dayFrom);
  const to = Math.min(bounds.to, dayTo);
  const rows = report.leases
    .map((row) => ({ row, span: barSpan(row, bounds.from, bounds.to, bounds.now) }))
    .filter(({ span: [start, end] }) => start < to && end >= from)
    .sort((a, b) => a.span[0] - b.span[0] || a.row.leaseId.localeCompare(b.row.leaseId));
  const rowsEnd = AXIS + rows.length * ROW;
  const x = (t: number): number => LABEL + (t - dayFrom) * scaleOf(dayFrom, dayTo);
  const parts: string[] = [];
  for (let t = dayFrom; t <= dayTo; t += 3 * HOUR) {
    const px = x(t).toFixed(1);
    parts.push(`<line class="grid" x1="${px}" y1="${AXIS - 6}" x2="${px}" y2="${rowsEnd}"/>`);
    parts.push(`<text class="tick" x="${px}" y="${AXIS - 10}" text-anchor="middle">${new Date(t).toISOString().slice(11, 16)}</text>`);
  }
  rows.forEach(({ row, span: [start, end] }, i) => {
    const y = AXIS + i * ROW;
    if (i % 2 === 1) parts.push(`<rect class="band" x="0" y="${y}" width="${WIDTH}" height="${ROW}"/>`);
    parts.push(`<text class="who" x="${LABEL - 8}" y="${y + ROW / 2 + 4}" text-anchor="end">${escapeHtml(clipLabel(row.requester))}<title>${escapeHtml(row.requester)}</title></text>`);
    const left = x(Math.max(start, from));
    const right = left + Math.max(MIN_BAR, x(Math.min(end, to)) - left);
    parts.push(
      `<a href="#lease-${escapeHtml(row.leaseId)}"><rect class="bar o-${row.outcome}" data-lease-id="${escapeHtml(row.leaseId)}" x="${left.toFixed(1)}" y="${y + (ROW - BAR) / 2}" width="${(right - left).toFixed(1)}" height="${BAR}" rx="2"><title>${escapeHtml(barTitle(row))}</title></rect></a>`,
    );
    const label = escapeHtml(`${clipLabel(row.ticketKey, 20)} · ${lasted(row)}`);
    const after = right + LABEL_ROOM <= WIDTH - RIGHT;
    parts.push(`<text class="what" x="${(after ? right + 4 : left - 4).toFixed(1)}" y="${y + ROW / 2 + 4}" text-anchor="${after ? 'start' : 'end'}">${label}</text>`);
  });
  return `<svg class="timeline day" role="img" aria-label="Leases of ${day}, one row per lease" viewBox="0 0 ${WIDTH} ${rowsEnd + 8}" width="100%" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/**
 * The day view: for each UTC day with a lease the timeline draws wider than its time, that day on
 * a 24-hour axis with a row per lease of the day, each bar labelled with its ticket and how long it
 * lasted and linked to its row in the lease table. Empty when no lease is that short.
 */
export function renderDays(report: AccessReport, days: ReadonlyMap<string, string>): string {
  if (days.size === 0) return '';
  const bounds = boundsOf(report);
  const shortest = formatDuration(MIN_BAR / scaleOf(bounds.from, bounds.to));
  const sections = [...new Set(days.values())]
    .sort()
    .map((day) => {
      const name = new Date(`${day}T00:00:00.000Z`).toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
      const count = [...days.values()].filter((d) => d === day).length;
      return `<div class="day" id="day-${day}"><h4>${name} ${day} <span class="muted">${count} short lease${count === 1 ? '' : 's'}</span></h4>${daySvg(report, day, bounds)}</div>`;
    });
  return `<h3 id="days">Day view: short leases</h3>
<p class="note">The timeline draws a lease shorter than ${escapeHtml(shortest)} ${MIN_BAR} px wide, so that it can be seen, and links it here: its day (UTC) on a 24-hour axis, with every lease of that day. Each bar links to its lease in the table.</p>
${sections.join('\n')}`;
}
