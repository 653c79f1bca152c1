import {
  DeleteRuleCommand,
  LimitExceededException,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import type { Lease } from '../../domain/lease.js';
import { ScheduleQuotaError, SchedulerError } from '../../errors.js';
import type { LeaseScheduler } from '../../ports/lease-scheduler.js';
import { isTransientAwsError } from './transient.js';
import { oneShotCron } from './one-shot-cron.js';

const TARGET_ID = 'kube-lease';
/** Suffix of the rule that activates a SCHEDULED lease at the start of its change window. */
export const START_RULE_SUFFIX = '-start';

export interface EventBridgeRuleSchedulerOptions {
  /** ARN of the revokeLease function, target of the expiry rule. */
  readonly revokeFunctionArn: string;
  /** ARN of the activateLease function, target of the start rule of SCHEDULED leases. */
  readonly activateFunctionArn: string;
  readonly eventBusName?: string | undefined;
  /** Prefix of our rule names (`<prefix>-<lease id>[-start]`). */
  readonly namePrefix?: string | undefined;
}

/**
 * One EventBridge rule per lease with a one-shot cron at expiry targeting revokeLease, plus one at
 * the start of the change window targeting activateLease for a SCHEDULED lease. Input: the lease id.
 * Note the default quota of 300 rules per event bus: past it PutRule fails with
 * LimitExceededException, and the sweep remains the lease's backstop.
 */
export class EventBridgeRuleScheduler implements LeaseScheduler {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgeRuleSchedulerOptions,
  ) {}

  async schedule(lease: Lease): Promise<void> {
    await this.putRule(lease, lease.scheduleName, new Date(lease.expiresAt), this.options.revokeFunctionArn, 'Revoke');
    if (lease.status === 'SCHEDULED') {
      await this.putRule(lease, `${lease.scheduleName}${START_RULE_SUFFIX}`, new Date(lease.startsAt), this.options.activateFunctionArn, 'Activate');
    }
  }

  async cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void> {
    await this.deleteRule(`${lease.scheduleName}${START_RULE_SUFFIX}`);
    await this.deleteRule(lease.scheduleName);
  }

  private async putRule(lease: Lease, name: string, at: Date, arn: string, verb: string): Promise<void> {
    const bus = this.options.eventBusName;
    try {
      await this.client.send(
        new PutRuleCommand({
          Name: name,
          EventBusName: bus,
          ScheduleExpression: oneShotCron(at),
          State: 'ENABLED',
          Description: `${verb} kube-lease ${lease.id} (${lease.ticketKey}) at ${at.toISOString()}`,
        }),
      );
      await this.client.send(
        new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: [{ Id: TARGET_ID, Arn: arn, Input: JSON.stringify({ leaseId: lease.id }) }] }),
      );
    } catch (error) {
      if (error instanceof LimitExceededException) {
        throw new ScheduleQuotaError(`rule quota reached, ${verb.toLowerCase()} of lease ${lease.id} is not scheduled: ${message(error)}`, { cause: error });
      }
      throw new SchedulerError(`could not schedule ${verb.toLowerCase()} of lease ${lease.id}: ${message(error)}`, { cause: error, retryable: isTransientAwsError(error) });
    }
  }

  /** Targets first (EventBridge refuses to delete a rule that has any), then the rule; gone counts as done. */
  private async deleteRule(name: string): Promise<void> {
    const bus = this.options.eventBusName;
    try {
      await this.client.send(new RemoveTargetsCommand({ Rule: name, EventBusName: bus, Ids: [TARGET_ID] }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) {
        throw new SchedulerError(`could not remove target of rule ${name}: ${message(error)}`, { cause: error });
      }
    }
    try {
      await this.client.send(new DeleteRuleCommand({ Name: name, EventBusName: bus }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) {
        throw new SchedulerError(`could not delete rule ${name}: ${message(error)}`, { cause: error });
      }
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
