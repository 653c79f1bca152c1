import { describe, expect, it } from '@jest/globals';
import { ClusterError, TicketSourceError } from '../../lib/errors.js';
import { withRetry } from '../../lib/retry.js';

function failing(errors: Error[]): { call: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    call: () => {
      const error = errors[calls];
      calls += 1;
      return error === undefined ? Promise.resolve('ok') : Promise.reject(error);
    },
    calls: () => calls,
  };
}

describe('withRetry', () => {
  const waits: number[] = [];
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, sleep: (ms: number) => (waits.push(ms), Promise.resolve()), random: () => 1 };

  it('retries retryable failures with exponential back-off', async () => {
    waits.length = 0;
    const f = failing([new ClusterError('503', 503, { retryable: true }), new ClusterError('429', 429, { retryable: true })]);
    expect(await withRetry(f.call, policy)).toBe('ok');
    expect(waits).toEqual([100, 200]);
  });

  it('uses full jitter', async () => {
    waits.length = 0;
    const f = failing([new ClusterError('503', 503, { retryable: true })]);
    await withRetry(f.call, { ...policy, random: () => 0.25 });
    expect(waits).toEqual([25]);
  });

  it("honours the server's Retry-After, and gives up when it asks for longer than it may wait", async () => {
    waits.length = 0;
    const f = failing([new TicketSourceError('429', 429, { retryable: true, retryAfterSeconds: 0.5 })]);
    expect(await withRetry(f.call, policy)).toBe('ok');
    expect(waits).toEqual([500]);
    const g = failing([new TicketSourceError('429', 429, { retryable: true, retryAfterSeconds: 30 })]);
    await expect(withRetry(g.call, policy)).rejects.toThrow('429');
    expect(g.calls()).toBe(1);
  });

  it('does not retry what cannot get better, and stops after the attempts or the time left', async () => {
    const permanent = failing([new ClusterError('403', 403, { retryable: false })]);
    await expect(withRetry(permanent.call, policy)).rejects.toThrow('403');
    expect(permanent.calls()).toBe(1);
    const always = failing(Array.from({ length: 10 }, () => new ClusterError('500', 500, { retryable: true })));
    await expect(withRetry(always.call, policy)).rejects.toThrow('500');
    expect(always.calls()).toBe(4);
    const late = failing([new ClusterError('500', 500, { retryable: true })]);
    await expect(withRetry(late.call, { ...policy, remainingMs: () => 500 })).rejects.toThrow('500');
    expect(late.calls()).toBe(1);
  });
});

describe('withRetry inside an invocation deadline', () => {
  it('stops retrying when the invocation has too little time left', async () => {
    const { withDeadline } = await import('../../lib/deadline.js');
    let calls = 0;
    const call = () => {
      calls += 1;
      return Promise.reject(new ClusterError('503', 503, { retryable: true }));
    };
    await expect(withDeadline(() => 900, () => withRetry(call, { attempts: 5, baseDelayMs: 1, maxDelayMs: 10, sleep: () => Promise.resolve() }))).rejects.toThrow('503');
    expect(calls).toBe(1);
  });
});
