/**
 * Durations as people write them in tickets and catalogs: `90m`, `2h`, `1h30m`, `1d`,
 * or ISO-8601 `PT2H`, `PT1H30M`, `P1D`. Returns whole seconds, or undefined when the text is
 * not a duration we understand (callers turn that into a clear denial or config error).
 */
const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const SHORT_FORM = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const ISO_FORM = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
/** Upper bound on anything we parse, so a huge number cannot overflow a Date. */
const MAX_SECONDS = 366 * 86_400;

export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > 32) return undefined;
  const match = SHORT_FORM.exec(trimmed.toLowerCase()) ?? ISO_FORM.exec(trimmed.toUpperCase());
  if (match === null) return undefined;
  const [, days, hours, minutes, seconds] = match;
  if ([days, hours, minutes, seconds].every((part) => part === undefined)) return undefined;
  const total =
    Number(days ?? 0) * UNIT_SECONDS.d +
    Number(hours ?? 0) * UNIT_SECONDS.h +
    Number(minutes ?? 0) * UNIT_SECONDS.m +
    Number(seconds ?? 0) * UNIT_SECONDS.s;
  if (!Number.isSafeInteger(total) || total > MAX_SECONDS) return undefined;
  return total;
}

/** `5400` → `1h30m`; used in comments and denial reasons. */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds <= 0) return '0m';
  const parts: string[] = [];
  let rest = totalSeconds;
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}
