import { describe, expect, it } from '@jest/globals';
import { armedMinute } from '../../lib/adapters/eventbridge/arm-early.js';
import { MAX_TIMER_WAIT_MS, TIMER_LEAD_MS } from '../../lib/ports/lease-scheduler.js';

const at = (iso: string) => new Date(iso);
const HOUR_BEFORE = at('2026-03-01T09:00:00.000Z');

describe('armedMinute: timers are armed at a whole minute ahead of their moment', () => {
  it('takes the last whole minute at least 90 s before the moment', () => {
    expect(armedMinute(at('2026-03-01T10:15:30.000Z'), HOUR_BEFORE).toISOString()).toBe('2026-03-01T10:14:00.000Z');
    expect(armedMinute(at('2026-03-01T10:15:29.999Z'), HOUR_BEFORE).toISOString()).toBe('2026-03-01T10:13:00.000Z');
    expect(armedMinute(at('2026-03-01T10:16:00.000Z'), HOUR_BEFORE).toISOString()).toBe('2026-03-01T10:14:00.000Z');
    expect(armedMinute(at('2027-01-01T00:00:30.000Z'), HOUR_BEFORE).toISOString()).toBe('2026-12-31T23:59:00.000Z');
  });

  it('fires, anywhere in its minute, at least 30 s before the moment, and at most MAX_TIMER_WAIT_MS before it', () => {
    for (let ms = 0; ms < 180_000; ms += 997) {
      const moment = at('2026-03-01T10:00:00.000Z').getTime() + ms;
      const armed = armedMinute(new Date(moment), HOUR_BEFORE).getTime();
      expect(armed % 60_000).toBe(0);
      expect(moment - (armed + 60_000)).toBeGreaterThanOrEqual(TIMER_LEAD_MS - 60_000);
      expect(moment - armed).toBeLessThanOrEqual(MAX_TIMER_WAIT_MS);
    }
  });

  it('never arms a minute that has begun: a moment too close (or past) gets the next whole minute', () => {
    const now = at('2026-03-01T10:14:10.000Z');
    expect(armedMinute(at('2026-03-01T10:15:00.000Z'), now).toISOString()).toBe('2026-03-01T10:15:00.000Z');
    expect(armedMinute(at('2026-03-01T10:14:20.000Z'), now).toISOString()).toBe('2026-03-01T10:15:00.000Z');
    expect(armedMinute(at('2026-03-01T10:00:00.000Z'), now).toISOString()).toBe('2026-03-01T10:15:00.000Z');
    expect(armedMinute(at('2026-03-01T10:14:00.000Z'), at('2026-03-01T10:14:00.000Z')).toISOString()).toBe('2026-03-01T10:15:00.000Z');
  });
});
