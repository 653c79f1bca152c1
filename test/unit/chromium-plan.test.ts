import { describe, expect, it } from '@jest/globals';
import { browserTestPlan, isCi, requireChromium } from '../support/chromium.js';

/** CHROMIUM_PATH, when set, is the only place looked at: a path that is no executable means "no Chromium". */
const NONE = { CHROMIUM_PATH: '/nonexistent/chromium' };
const FOUND = { CHROMIUM_PATH: process.execPath };

describe('browserTestPlan (the browser tests never install Chromium)', () => {
  it('runs with the Chromium it finds', () => {
    // Act / Assess
    expect(browserTestPlan(FOUND)).toEqual({ run: true, chromium: process.execPath });
  });

  it('skips outside CI when there is none, with a reason that says how to get one', () => {
    // Act
    const plan = browserTestPlan({ ...NONE, CI: 'false' });
    // Assess
    expect(plan.run).toBe(false);
    expect(plan.run ? '' : plan.reason).toMatch(/CHROMIUM_PATH=\/nonexistent\/chromium is not an executable: install Chromium .* or set CHROMIUM_PATH/);
  });

  it('runs in CI even without Chromium, so that the missing browser fails the tests', () => {
    // Act / Assess
    expect(browserTestPlan({ ...NONE, CI: 'true' })).toEqual({ run: true, chromium: undefined });
  });

  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('reads CI=%j as %j', (value, expected) => {
    // Act / Assess
    expect(isCi(value === undefined ? {} : { CI: value })).toBe(expected);
  });

  it('requireChromium says how to get one', () => {
    // Act / Assess
    expect(() => requireChromium(NONE)).toThrow(/Chromium not found .*install-chromium\.sh/);
  });
});
