/**
 * One cold first grant, in a fresh process: imports the jiraWebhook handler as Lambda would (with
 * AWS_LAMBDA_FUNCTION_NAME set, its init phase prepares secrets and clients; without, the first
 * request does), then times one signed delivery. Prints `RESULT {"initMs","grantMs","outcome"}`.
 */
const t0 = performance.now();
const module = (await import('../../../functions/jira-webhook.js')) as { handler: (event: unknown) => Promise<{ statusCode: number; body: string }> };
const initMs = performance.now() - t0;
const started = performance.now();
const answer = await module.handler(JSON.parse(process.env.EVENT ?? '{}'));
const grantMs = performance.now() - started;
const outcome = (JSON.parse(answer.body) as { outcome?: string }).outcome;
process.stdout.write(`RESULT ${JSON.stringify({ initMs, grantMs, outcome, statusCode: answer.statusCode })}\n`);
process.exit(0);
