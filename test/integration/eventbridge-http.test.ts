import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeRuleScheduler } from '../../lib/adapters/eventbridge/eventbridge-rule-scheduler.js';
import { ScheduleQuotaError, SchedulerError } from '../../lib/errors.js';
import { FakeEventBridge } from '../fakes/fake-eventbridge.js';
import { leaseFixture } from '../support/lease-fixture.js';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:revoke';
const lease = { ...leaseFixture('0123456789abcdef0123', '2026-03-01T10:15:30.000Z', 'ACTIVE'), scheduleName: 'kube-lease-prod-0123456789abcdef0123' };
const throttled = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };

/** The real SDK client over HTTP against EventBridge's JSON protocol: errors and retries as in AWS. */
describe('EventBridge rule scheduler over HTTP (fake EventBridge endpoint)', () => {
  let fake: FakeEventBridge;
  let scheduler: EventBridgeRuleScheduler;

  beforeEach(async () => {
    fake = new FakeEventBridge();
    const endpoint = await fake.start();
    const client = new EventBridgeClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' }, maxAttempts: 3 });
    scheduler = new EventBridgeRuleScheduler(client, { revokeFunctionArn: ARN, activateFunctionArn: `${ARN}-activate`, clock: { now: () => new Date('2026-03-01T09:00:00.000Z') } });
  });
  afterEach(async () => {
    await fake.stop();
  });

  const calls = (operation: string) => fake.requests.filter((r) => r.headers['x-amz-target'] === `AWSEvents.${operation}`).length;

  it('rides out throttling: the SDK retries, the rule and its target are put', async () => {
    fake.failNext({ pathIncludes: '/', times: 2, response: throttled });
    await scheduler.schedule(lease);
    expect(calls('PutRule')).toBe(3);
    expect(calls('PutTargets')).toBe(1);
    expect(fake.rules.get(lease.scheduleName)).toMatchObject({ ScheduleExpression: 'cron(14 10 1 3 ? 2026)', State: 'ENABLED', targets: [{ Arn: ARN }] });
  });

  it('gives up after the SDK’s attempts with a retryable SchedulerError, having put nothing', async () => {
    fake.failNext({ pathIncludes: '/', times: 3, response: throttled });
    const error = await scheduler.schedule(lease).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchedulerError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain('ThrottlingException');
    expect(fake.rules.size).toBe(0);
  });

  it('turns the rule quota into a ScheduleQuotaError once the SDK’s attempts are spent', async () => {
    // The SDK counts LimitExceededException as throttling and retries it: at the quota a grant
    // waits for those attempts (a few hundred ms), then goes on without the rule.
    fake.failNext({ pathIncludes: '/', times: 3, response: { status: 400, body: { __type: 'LimitExceededException', message: 'The requested resource exceeds the maximum number allowed.' } } });
    await expect(scheduler.schedule(lease)).rejects.toBeInstanceOf(ScheduleQuotaError);
    expect(calls('PutRule')).toBe(3);
    expect(calls('PutTargets')).toBe(0);
  });

  it('cancels: targets first, then the rule; a rule already gone counts as removed', async () => {
    await scheduler.schedule(lease);
    await scheduler.cancel({ id: lease.id, scheduleName: lease.scheduleName });
    expect(fake.rules.size).toBe(0);
    await expect(scheduler.cancel({ id: lease.id, scheduleName: lease.scheduleName })).resolves.toBeUndefined();
    const order = fake.requests.map((r) => String(r.headers['x-amz-target']).replace('AWSEvents.', ''));
    expect(order.slice(2, 4)).toEqual(['RemoveTargets', 'DeleteRule']);
  });
});
