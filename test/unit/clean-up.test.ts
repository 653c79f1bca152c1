import { describe, expect, it, jest } from '@jest/globals';
import { cleanUp } from '../support/clean-up.js';

describe('cleanUp (test cleanup that never masks a failed assertion)', () => {
  it('runs every step, swallows a kill of a process already gone (ESRCH) and a failed stop, and lets the original error through', async () => {
    // Prepare: a step that throws as process.kill does for a process group that already exited, and one that rejects
    const after = jest.fn();
    const gone = () => process.kill(-2_147_483_000, 'SIGTERM');
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // Act: the body fails; the finally block cleans up
    const body = async () => {
      try {
        throw new Error('the assertion that failed');
      } finally {
        await cleanUp(gone, () => Promise.reject(new Error('server not running')), after);
      }
    };
    // Assess
    await expect(body()).rejects.toThrow('the assertion that failed');
    const written = write.mock.calls.map((c) => String(c[0]));
    write.mockRestore();
    expect(after).toHaveBeenCalledTimes(1);
    expect(written).toEqual([expect.stringMatching(/ESRCH/), expect.stringMatching(/server not running/)]);
  });
});
