/** Text for markup: `&`, `<`, `>`, `"` and `'` as entities, so report data is never read as HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Escaped text with line-break opportunities (`<wbr>`) after `@` and `/` and inside any run of 24
 * characters without one, so a long address or a long word from a ticket wraps inside its table
 * column instead of pushing the table past the page. The text itself is unchanged.
 */
export function breakable(text: string, run = 24): string {
  const pieces: string[] = [];
  let current = '';
  let sinceBreak = 0;
  for (const char of text) {
    current += char;
    sinceBreak = /[\s-]/.test(char) ? 0 : sinceBreak + 1;
    if (char === '@' || char === '/' || sinceBreak >= run) {
      pieces.push(current);
      current = '';
      sinceBreak = 0;
    }
  }
  if (current !== '') pieces.push(current);
  return pieces.map(escapeHtml).join('<wbr>');
}

/**
 * The URL when it is an absolute http(s) URL (ticket links come from records that carry text of
 * tickets: a `javascript:` or `data:` URL is shown as text, never linked); `undefined` otherwise.
 */
export function linkTarget(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** An RFC 3339 time as `2026-11-03 09:12:01` (UTC, seconds), for people. */
export function formatInstant(iso: string | null): string {
  if (iso === null) return '';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A duration for people: `850 ms`, `3.2 s`, `2 min`, `7 min 30 s`, `2 h 5 min`, `3 d 4 h` (rounded down). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string): string => (small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`);
  if (s < 3600) return pair(Math.floor(s / 60), 'min', s % 60, 's');
  if (s < 86_400) return pair(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  return pair(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3600), 'h');
}
