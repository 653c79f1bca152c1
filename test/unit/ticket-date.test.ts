import { describe, expect, it } from '@jest/globals';
import { parseTicketDate } from '../../lib/domain/ticket-date.js';

describe('parseTicketDate', () => {
  it.each([
    ['2026-11-28 10:00:00', '2026-11-28T10:00:00.000Z'],
    ['2026-11-28T10:00:00.000+0000', '2026-11-28T10:00:00.000Z'],
    ['2026-11-28T12:30:00+02:00', '2026-11-28T10:30:00.000Z'],
    ['2026-11-28T05:00:00.5-0500', '2026-11-28T10:00:00.500Z'],
    ['2026-11-28T10:00Z', '2026-11-28T10:00:00.000Z'],
    ['2028-02-29 00:00:00', '2028-02-29T00:00:00.000Z'],
  ])('reads %s as %s (ServiceNow dates are UTC)', (text, iso) => {
    expect(new Date(parseTicketDate(text) ?? NaN).toISOString()).toBe(iso);
  });

  it.each(['', '2026-11-28', '28/11/2026 10:00', '2026-11-28T10:00:00', '2026-02-30 10:00:00', '2026-11-28 24:00:00', '2026-13-01 00:00:00', 'tomorrow'])(
    'rejects %p',
    (text) => {
      expect(parseTicketDate(text)).toBeUndefined();
    },
  );
});
