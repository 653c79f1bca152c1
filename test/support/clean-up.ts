/**
 * Runs every cleanup step in order (each whether or not the ones before it failed) and never throws: a step that fails
 * (a process already gone: `kill` ESRCH; a server that never started) is written to stderr, so a
 * `finally` block can never replace the assertion that failed in the test body with its own error.
 *
 * @example
 * try { ...act and assess... } finally { await cleanUp(() => process.kill(-pid, 'SIGTERM'), () => fake.stop()); }
 */
export async function cleanUp(...steps: readonly (() => unknown)[]): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      process.stderr.write(`cleanup step failed (ignored): ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}
