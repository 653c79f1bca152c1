import { describe, expect, it } from '@jest/globals';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ServiceQuotaExceededException,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { atExpression, EventBridgeScheduler } from '../../lib/adapters/eventbridge/eventbridge-scheduler.js';
import { ScheduleQuotaError } from '../../lib/errors.js';
import { leaseFixture } from '../support/lease-fixture.js';

const REVOKE = 'arn:aws:lambda:eu-west-1:123456789012:function:revoke';
const ACTIVATE = 'arn:aws:lambda:eu-west-1:123456789012:function:activate';
const ROLE = 'arn:aws:iam::123456789012:role/scheduler-invoke';
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:revoke-failures';
const lease = { ...leaseFixture('0123456789abcdef0123', '2026-03-01T10:15:30.200Z', 'ACTIVE'), scheduleName: 'kube-lease-prod-0123456789abcdef0123' };

function setup() {
  const client = new SchedulerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  const scheduler = new EventBridgeScheduler(client, {
    revokeFunctionArn: REVOKE,
    activateFunctionArn: ACTIVATE,
    roleArn: ROLE,
    groupName: 'kube-lease-prod',
    namePrefix: 'kube-lease-prod',
    deadLetterArn: DLQ,
    // An hour before the lease's expiry: its schedules are armed ahead of it.
    clock: { now: () => new Date('2026-03-01T09:15:30.000Z') },
  });
  return { mock, scheduler };
}

describe('EventBridgeScheduler (EventBridge Scheduler backend)', () => {
  it('writes one-time at() expressions in UTC, rounded up to the second', () => {
    expect(atExpression(new Date('2026-03-01T10:15:30.200Z'))).toBe('at(2026-03-01T10:15:31)');
    expect(atExpression(new Date('2026-03-01T10:15:30.000Z'))).toBe('at(2026-03-01T10:15:30)');
  });

  it('creates a self-deleting one-time schedule with retries, a dead-letter queue and an idempotent client token', async () => {
    const { mock, scheduler } = setup();
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:x' });
    await scheduler.schedule(lease);
    await scheduler.schedule(lease);
    const calls = mock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({
      Name: lease.scheduleName,
      GroupName: 'kube-lease-prod',
      // Armed at the whole minute at least 90 s ahead of 10:15:30.2: Scheduler fires within it.
      ScheduleExpression: 'at(2026-03-01T10:14:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: REVOKE, RoleArn: ROLE, Input: JSON.stringify({ leaseId: lease.id }), DeadLetterConfig: { Arn: DLQ }, RetryPolicy: { MaximumRetryAttempts: 10 } },
    });
    expect(calls[0]?.ClientToken).toBe(calls[1]?.ClientToken);
  });

  it('adds a start schedule targeting activateLease for a scheduled lease', async () => {
    const { mock, scheduler } = setup();
    mock.on(CreateScheduleCommand).resolves({});
    await scheduler.schedule({ ...lease, status: 'SCHEDULED', startsAt: '2026-03-01T09:00:00.000Z' });
    expect(mock.commandCalls(CreateScheduleCommand).map((c) => [c.args[0].input.Name, c.args[0].input.Target?.Arn])).toEqual([
      [lease.scheduleName, REVOKE],
      [`${lease.scheduleName}-start`, ACTIVATE],
    ]);
  });

  it('moves an existing schedule (an extension) instead of failing', async () => {
    const { mock, scheduler } = setup();
    mock.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'Schedule already exists.', Message: 'Schedule already exists.', $metadata: {} }));
    mock.on(UpdateScheduleCommand).resolves({});
    await scheduler.schedule(lease);
    expect(mock.commandCalls(UpdateScheduleCommand)[0]?.args[0].input.ScheduleExpression).toBe('at(2026-03-01T10:14:00)');
  });

  it('reports the quota as a ScheduleQuotaError so the grant goes on under the sweep', async () => {
    const { mock, scheduler } = setup();
    mock.on(CreateScheduleCommand).rejects(new ServiceQuotaExceededException({ message: 'quota', Message: 'quota', $metadata: {} }));
    await expect(scheduler.schedule(lease)).rejects.toBeInstanceOf(ScheduleQuotaError);
  });

  it('deletes both schedules, gone counting as deleted', async () => {
    const { mock, scheduler } = setup();
    mock.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: 'not found', Message: 'not found', $metadata: {} }));
    await expect(scheduler.cancel(lease)).resolves.toBeUndefined();
    expect(mock.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input.Name)).toEqual([`${lease.scheduleName}-start`, lease.scheduleName]);
  });
});
