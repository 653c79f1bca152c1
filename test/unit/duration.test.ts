import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from '../../lib/domain/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90m', 5400],
    ['2h', 7200],
    ['1h30m', 5400],
    ['1d', 86400],
    ['45s', 45],
    ['PT2H', 7200],
    ['PT1H30M', 5400],
    ['P1D', 86400],
    ['pt15m', 900],
    [' 2h ', 7200],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '2', 'h', '2 hours', '-1h', '1.5h', 'P', 'PT', '2h1d', '9999999999d', 'x'.repeat(100)])('rejects %p', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes the shortest form', () => {
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(14400)).toBe('4h');
    expect(formatDuration(90061)).toBe('1d1h1m1s');
    expect(formatDuration(0)).toBe('0m');
  });
});
