/**
 * Runs `work` during Lambda's init phase, before the first event arrives (Lambda sets
 * `AWS_LAMBDA_FUNCTION_NAME`; elsewhere, e.g. a bundle imported by a test, it does nothing). Never
 * throws: a configuration error or an unreachable secret is met again, and reported, by the first
 * invocation. Awaited at the top of the handler module, so provisioned concurrency keeps the result.
 */
export async function prepareDuringInit(work: () => Promise<unknown>, env: NodeJS.ProcessEnv = process.env, capMs = INIT_WAIT_CAP_MS): Promise<void> {
  if (env.AWS_LAMBDA_FUNCTION_NAME === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    // Init waits at most this long (Lambda allows it 10 s): a slow backend is met by the first invocation, under its deadline.
    await Promise.race([work(), new Promise((resolve) => (timer = setTimeout(resolve, capMs)))]);
  } catch {
    // Left for the first invocation, which builds and reads again and says what is wrong.
  } finally {
    clearTimeout(timer);
  }
}

/** The longest the init phase waits for the preparation. */
export const INIT_WAIT_CAP_MS = 4000;
