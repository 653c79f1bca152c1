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
import type { LeaseScheduler, ScheduleProgress } from '../../ports/lease-scheduler.js';
import { isTransientAwsError } from './transient.js';
import { oneShotCron } from './one-shot-cron.js';
import { armedMinute } from './arm-early.js';
import { systemClock, type Clock } from '../../ports/clock.js';

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
  /** Time at which the rules are armed (the armed minute is never one that has begun). */
  readonly clock?: Clock | undefined;
}

/**
 * One EventBridge rule per lease with a one-shot cron ahead of expiry targeting revokeLease, plus one
 * ahead of the start of the change window targeting activateLease for a SCHEDULED lease (armed at the
 * whole minute of `armedMinute`; the target waits for the moment). Input: the lease id.
 * Note the default quota of 300 rules per event bus: past it PutRule fails with
 * LimitExceededException, and the sweep remains the lease's backstop.
 */
export class EventBridgeRuleScheduler implements LeaseScheduler {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgeRuleSchedulerOptions,
  ) {}

  async schedule(lease: Lease, progress?: ScheduleProgress): Promise<void> {
    const timers: [name: string, at: string, arn: string, verb: string][] = [[lease.scheduleName, lease.expiresAt, this.options.revokeFunctionArn, 'Revoke']];
    if (lease.status === 'SCHEDULED') timers.push([`${lease.scheduleName}${START_RULE_SUFFIX}`, lease.startsAt, this.options.activateFunctionArn, 'Activate']);
    // Every rule first, then their targets: the caller may go on once the rules exist.
    for (const [name, at, , verb] of timers) await this.attempt(lease, verb, () => this.putRule(lease, name, new Date(at), verb));
    progress?.created?.();
    for (const [name, , arn, verb] of timers) await this.attempt(lease, verb, () => this.putTarget(lease, name, arn));
  }

  async cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void> {
    await this.deleteRule(`${lease.scheduleName}${START_RULE_SUFFIX}`);
    await this.deleteRule(lease.scheduleName);
  }

  private async putRule(lease: Lease, name: string, at: Date, verb: string): Promise<void> {
    await this.client.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: this.options.eventBusName,
        ScheduleExpression: oneShotCron(armedMinute(at, (this.options.clock ?? systemClock).now())),
        State: 'ENABLED',
        Description: `${verb} kube-lease ${lease.id} (${lease.ticketKey}) at ${at.toISOString()}, armed early`,
      }),
    );
  }

  private async putTarget(lease: Lease, name: string, arn: string): Promise<void> {
    await this.client.send(new PutTargetsCommand({ Rule: name, EventBusName: this.options.eventBusName, Targets: [{ Id: TARGET_ID, Arn: arn, Input: JSON.stringify({ leaseId: lease.id }) }] }));
  }

  /** Runs one call of scheduling `verb`, its failure as a SchedulerError (ScheduleQuotaError at the rule quota). */
  private async attempt(lease: Lease, verb: string, call: () => Promise<void>): Promise<void> {
    try {
      await call();
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
