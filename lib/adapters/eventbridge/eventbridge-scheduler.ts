import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { Lease } from '../../domain/lease.js';
import { ScheduleQuotaError, SchedulerError } from '../../errors.js';
import type { LeaseScheduler } from '../../ports/lease-scheduler.js';
import { isTransientAwsError } from './transient.js';
import { START_RULE_SUFFIX } from './eventbridge-rule-scheduler.js';
import { armedMinute } from './arm-early.js';
import { systemClock, type Clock } from '../../ports/clock.js';

export interface EventBridgeSchedulerOptions {
  readonly revokeFunctionArn: string;
  readonly activateFunctionArn: string;
  /** Role EventBridge Scheduler assumes to invoke the functions. */
  readonly roleArn: string;
  /** Schedule group (scopes IAM); our schedules are named `<prefix>-<lease id>[-start]` in it. */
  readonly groupName: string;
  readonly namePrefix: string;
  /** Where an invocation that keeps failing goes. */
  readonly deadLetterArn?: string | undefined;
  /** Time at which the schedules are armed (the armed minute is never one that has begun). */
  readonly clock?: Clock | undefined;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second: never before the moment. */
export function atExpression(at: Date): string {
  const seconds = Math.ceil(at.getTime() / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

/**
 * The EventBridge Scheduler backend: one-time `at()` schedules, at the whole minute of `armedMinute`
 * ahead of the moment (Scheduler invokes "with 60 second precision"; the target waits for the
 * moment), that delete themselves after
 * running (no 300-rules-per-bus quota; up to a million schedules per account by default), with a
 * retry policy, a dead-letter queue and an idempotent ClientToken. Selected with SCHEDULER_BACKEND=scheduler.
 */
export class EventBridgeScheduler implements LeaseScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly options: EventBridgeSchedulerOptions,
  ) {}

  async schedule(lease: Lease): Promise<void> {
    await this.put(lease, lease.scheduleName, new Date(lease.expiresAt), this.options.revokeFunctionArn);
    if (lease.status === 'SCHEDULED') {
      await this.put(lease, `${lease.scheduleName}${START_RULE_SUFFIX}`, new Date(lease.startsAt), this.options.activateFunctionArn);
    }
  }

  async cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void> {
    for (const name of [`${lease.scheduleName}${START_RULE_SUFFIX}`, lease.scheduleName]) {
      try {
        await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw new SchedulerError(`could not delete schedule ${name}: ${message(error)}`, { cause: error });
      }
    }
  }

  private async put(lease: Lease, name: string, at: Date, arn: string): Promise<void> {
    const input: CreateScheduleCommandInput = {
      Name: name,
      GroupName: this.options.groupName,
      ScheduleExpression: atExpression(armedMinute(at, (this.options.clock ?? systemClock).now())),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: `kube-lease ${lease.id} (${lease.ticketKey})`,
      Target: {
        Arn: arn,
        RoleArn: this.options.roleArn,
        Input: JSON.stringify({ leaseId: lease.id }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        ...(this.options.deadLetterArn ? { DeadLetterConfig: { Arn: this.options.deadLetterArn } } : {}),
      },
    };
    try {
      // Same lease, same time → same token: a retried create is recognised, not duplicated.
      await this.client.send(new CreateScheduleCommand({ ...input, ClientToken: createHash('sha256').update(`${name}@${input.ScheduleExpression}`).digest('hex').slice(0, 64) }));
    } catch (error) {
      if (error instanceof ConflictException) {
        // The schedule exists (an extension moved the time, or a repeat): move it.
        try {
          await this.client.send(new UpdateScheduleCommand(input));
          return;
        } catch (updateError) {
          throw new SchedulerError(`could not update schedule ${name}: ${message(updateError)}`, { cause: updateError, retryable: isTransientAwsError(updateError) });
        }
      }
      if (error instanceof ServiceQuotaExceededException) {
        throw new ScheduleQuotaError(`schedule quota reached, ${name} is not scheduled: ${message(error)}`, { cause: error });
      }
      throw new SchedulerError(`could not create schedule ${name}: ${message(error)}`, { cause: error, retryable: isTransientAwsError(error) });
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
