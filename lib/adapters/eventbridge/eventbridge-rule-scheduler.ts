import {
  DeleteRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import type { Lease } from '../../domain/lease.js';
import { SchedulerError } from '../../errors.js';
import type { RevocationScheduler } from '../../ports/revocation-scheduler.js';
import { oneShotCron } from './one-shot-cron.js';

const TARGET_ID = 'revoke-lease';

export interface EventBridgeRuleSchedulerOptions {
  /** ARN of the revokeLease function, the rule's only target. */
  readonly revokeFunctionArn: string;
  readonly eventBusName?: string | undefined;
}

/**
 * One EventBridge rule per lease with a one-shot cron at expiry, targeting revokeLease with the
 * lease id. Note the default quota of 300 rules per event bus: past it PutRule fails with
 * LimitExceededException, and the sweep remains the lease's backstop.
 */
export class EventBridgeRuleScheduler implements RevocationScheduler {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgeRuleSchedulerOptions,
  ) {}

  async schedule(lease: Lease): Promise<void> {
    const bus = this.options.eventBusName;
    try {
      await this.client.send(
        new PutRuleCommand({
          Name: lease.scheduleName,
          EventBusName: bus,
          ScheduleExpression: oneShotCron(new Date(lease.expiresAt)),
          State: 'ENABLED',
          Description: `Revoke kube-lease ${lease.id} (${lease.ticketKey}) at ${lease.expiresAt}`,
        }),
      );
      await this.client.send(
        new PutTargetsCommand({
          Rule: lease.scheduleName,
          EventBusName: bus,
          Targets: [{ Id: TARGET_ID, Arn: this.options.revokeFunctionArn, Input: JSON.stringify({ leaseId: lease.id }) }],
        }),
      );
    } catch (error) {
      throw new SchedulerError(`could not schedule revocation of lease ${lease.id}: ${message(error)}`, {
        cause: error,
        retryable: true,
      });
    }
  }

  async cancel(lease: Pick<Lease, 'id' | 'scheduleName'>): Promise<void> {
    const bus = this.options.eventBusName;
    try {
      await this.client.send(new RemoveTargetsCommand({ Rule: lease.scheduleName, EventBusName: bus, Ids: [TARGET_ID] }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) {
        throw new SchedulerError(`could not remove target of rule ${lease.scheduleName}: ${message(error)}`, { cause: error });
      }
    }
    try {
      await this.client.send(new DeleteRuleCommand({ Name: lease.scheduleName, EventBusName: bus }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) {
        throw new SchedulerError(`could not delete rule ${lease.scheduleName}: ${message(error)}`, { cause: error });
      }
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
