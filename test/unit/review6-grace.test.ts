import { describe, expect, it } from '@jest/globals';
import { sessionsSchema } from '../../lib/adapters/dynamodb/activity-item.js';
import { marshall } from '@aws-sdk/util-dynamodb';
import { graceNote, graceOf } from '../../lib/use-cases/pod-grace.js';
import { GRACE_ENDED_SECONDS } from '../../lib/domain/activity.js';

/* Review 6 (issue 23, item 3): grace periods a lease holder chooses, as recorded and said. All held. */
const NOW = new Date('2026-03-02T10:00:00.000Z');

describe('review 6: grace periods', () => {
  it.each([GRACE_ENDED_SECONDS + 1, 86_400, Number.MAX_SAFE_INTEGER, 2 ** 53, 9_223_372_036_854_775_807, 1e300])('grace %p s: stored and read back, said truly', (seconds) => {
    const grace = graceOf(NOW, seconds);
    const sessions = { at: NOW.toISOString(), seen: [], pods: [{ namespace: 'ns', pod: 'p', outcome: 'evicted', ...grace }] };
    // The DynamoDB marshaller (what the document client does) takes it, and the read schema reads it back.
    expect(() => marshall(sessions, { removeUndefinedValues: true })).not.toThrow();
    expect(sessionsSchema.safeParse(sessions).success).toBe(true);
    const note = graceNote(grace);
    if (Number.isSafeInteger(seconds)) expect(note).toContain(`${seconds} s`);
    else expect(note).toContain('too long to record');
    if (seconds > 300_000_000_000) expect(note).toContain('indefinitely');
    else expect(note).not.toContain('indefinitely');
  });

  it.each([-1, 0, 30, GRACE_ENDED_SECONDS])('grace %p s: ended (no note)', (seconds) => {
    expect(graceOf(NOW, seconds)).toEqual({});
  });
});
