import { PutEventsCommand, type EventBridgeClient, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { SchedulerError } from '../../errors.js';
import type { GrantFollowUp } from '../../ports/grant-follow-up.js';
import { isTransientAwsError } from './transient.js';

/**
 * The `detail-type` of the event that asks for a grant's announcement. The rule in serverless.yml
 * matches it (with our source), and the webhooks' IAM allows PutEvents only with it: change all three together.
 */
export const FOLLOW_UP_DETAIL_TYPE = 'Grant announcement due';

/** Per-entry error codes of PutEvents that the same entry may pass later; every other code is final. */
const TRANSIENT_ENTRY_ERRORS: ReadonlySet<string> = new Set(['ThrottlingException', 'InternalFailure', 'InternalException']);

export interface EventBridgeFollowUpOptions {
  /** The event's `source`: this deployment's prefix, which the rule and IAM both pin. */
  readonly source: string;
  /** The bus the announcement rule is on; the account's default bus when not given. */
  readonly eventBusName?: string | undefined;
}

/**
 * A grant's announcement asked for through EventBridge: one PutEvents entry
 * `{ "leaseId": "<lease id>" }` (detail-type {@link FOLLOW_UP_DETAIL_TYPE}), which a rule on the bus
 * hands to activateLease as its whole input. Sent at once, without waiting for the ACTIVE write: the
 * announcement reads the lease again, and the announcement queue covers an event that is lost.
 *
 * PutEvents answers 200 even when it refused the entry; that refusal is a failure here as well.
 *
 * @example
 * const followUp = new EventBridgeFollowUp(new EventBridgeClient({ region }), { source: 'kube-lease-prod' });
 * await followUp.request(lease.id, written);
 */
export class EventBridgeFollowUp implements GrantFollowUp {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgeFollowUpOptions,
  ) {}

  /** Sends the event at once: `_written` (the ACTIVE write) is not waited for. */
  async request(leaseId: string, _written: Promise<unknown>): Promise<void> {
    let failed: PutEventsResultEntry | undefined;
    try {
      const output = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: this.options.source,
              DetailType: FOLLOW_UP_DETAIL_TYPE,
              Detail: JSON.stringify({ leaseId }),
              EventBusName: this.options.eventBusName,
            },
          ],
        }),
      );
      if ((output.FailedEntryCount ?? 0) > 0) failed = output.Entries?.find((entry) => entry.ErrorCode !== undefined) ?? {};
    } catch (error) {
      throw new SchedulerError(`could not ask for the announcement of lease ${leaseId}: ${message(error)}`, { cause: error, retryable: isTransientAwsError(error) });
    }
    if (failed !== undefined) {
      const code = failed.ErrorCode ?? 'unknown error';
      throw new SchedulerError(`EventBridge refused the announcement event of lease ${leaseId}: ${code}: ${failed.ErrorMessage ?? 'no message'}`, {
        retryable: TRANSIENT_ENTRY_ERRORS.has(code),
      });
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
