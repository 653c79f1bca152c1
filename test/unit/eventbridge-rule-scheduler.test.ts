import { describe, expect, it } from '@jest/globals';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  LimitExceededException,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeRuleScheduler } from '../../lib/adapters/eventbridge/eventbridge-rule-scheduler.js';
import { oneShotCron } from '../../lib/adapters/eventbridge/one-shot-cron.js';
import { ScheduleQuotaError, SchedulerError } from '../../lib/errors.js';
import { leaseFixture } from '../support/lease-fixture.js';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:revoke';
const lease = { ...leaseFixture('0123456789abcdef0123', '2026-03-01T10:15:30.000Z', 'ACTIVE'), scheduleName: 'kube-lease-prod-0123456789abcdef0123' };
/** An hour before the lease's expiry: its rule is armed ahead of it. */
const clock = { now: () => new Date('2026-03-01T09:15:30.000Z') };

describe('oneShotCron', () => {
  it('fires at the first whole minute at or after expiry, in UTC', () => {
    expect(oneShotCron(new Date('2026-03-01T10:15:30.000Z'))).toBe('cron(16 10 1 3 ? 2026)');
    expect(oneShotCron(new Date('2026-03-01T10:15:00.000Z'))).toBe('cron(15 10 1 3 ? 2026)');
    expect(oneShotCron(new Date('2026-12-31T23:59:00.001Z'))).toBe('cron(0 0 1 1 ? 2027)');
  });
});

describe('EventBridgeRuleScheduler', () => {
  function setup() {
    const client = new EventBridgeClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    return { mock, scheduler: new EventBridgeRuleScheduler(client, { revokeFunctionArn: ARN, activateFunctionArn: `${ARN}-activate`, clock }) };
  }

  it('puts one rule with a one-shot cron armed ahead of expiry (10:15:30 - 90 s → the 10:14 minute) and the revoke function as its only target', async () => {
    const { mock, scheduler } = setup();
    mock.on(PutRuleCommand).resolves({}).on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });
    await scheduler.schedule(lease);
    expect(mock.commandCalls(PutRuleCommand)[0]?.args[0].input).toMatchObject({ Name: lease.scheduleName, ScheduleExpression: 'cron(14 10 1 3 ? 2026)', State: 'ENABLED' });
    expect(mock.commandCalls(PutTargetsCommand)[0]?.args[0].input).toEqual({
      Rule: lease.scheduleName,
      Targets: [{ Id: 'kube-lease', Arn: ARN, Input: JSON.stringify({ leaseId: lease.id }) }],
    });
  });

  it('turns a quota error into a ScheduleQuotaError, so the grant can go on without the rule', async () => {
    const { mock, scheduler } = setup();
    mock.on(PutRuleCommand).rejects(new LimitExceededException({ message: 'The requested resource exceeds the maximum number allowed.', $metadata: {} }));
    const error = await scheduler.schedule(lease).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScheduleQuotaError);
    expect((error as SchedulerError).message).toContain('LimitExceededException');
    expect(mock.commandCalls(PutTargetsCommand)).toHaveLength(0);
  });

  it('removes targets before the rule and treats a missing rule as removed', async () => {
    const { mock, scheduler } = setup();
    mock.on(RemoveTargetsCommand).rejects(new ResourceNotFoundException({ message: 'Rule x does not exist.', $metadata: {} }));
    mock.on(DeleteRuleCommand).rejects(new ResourceNotFoundException({ message: 'Rule x does not exist.', $metadata: {} }));
    await expect(scheduler.cancel(lease)).resolves.toBeUndefined();
    expect(mock.calls().map((c) => [c.args[0].constructor.name, (c.args[0].input as { Rule?: string; Name?: string }).Rule ?? (c.args[0].input as { Name?: string }).Name])).toEqual([
      ['RemoveTargetsCommand', `${lease.scheduleName}-start`],
      ['DeleteRuleCommand', `${lease.scheduleName}-start`],
      ['RemoveTargetsCommand', lease.scheduleName],
      ['DeleteRuleCommand', lease.scheduleName],
    ]);
  });

  it('reports other failures on cancel', async () => {
    const { mock, scheduler } = setup();
    mock.on(RemoveTargetsCommand).resolves({}).on(DeleteRuleCommand).rejects(new Error('throttled'));
    await expect(scheduler.cancel(lease)).rejects.toBeInstanceOf(SchedulerError);
  });
});
