/**
 * Runs `work` during Lambda's init phase, before the first event arrives (Lambda sets
 * `AWS_LAMBDA_FUNCTION_NAME`; elsewhere, e.g. a bundle imported by a test, it does nothing). Never
 * throws: a configuration error or an unreachable secret is met again, and reported, by the first
 * invocation. Awaited at the top of the handler module, so provisioned concurrency keeps the result.
 */
export async function prepareDuringInit(work: () => Promise<unknown>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.AWS_LAMBDA_FUNCTION_NAME === undefined) return;
  try {
    await work();
  } catch {
    // Left for the first invocation, which builds and reads again and says what is wrong.
  }
}
