import { randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';

/** An event PutEvents accepted, as a rule on its bus would see it. */
export interface PutEvent {
  readonly EventId: string;
  readonly Source: string;
  readonly DetailType: string;
  /** The entry's `Detail`, parsed (always a JSON object). */
  readonly Detail: Record<string, unknown>;
  /** The bus named in the entry, `default` when it names none. */
  readonly EventBusName: string;
}

interface PutEventsEntry {
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly EventBusName?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** PutEvents takes 1 to 10 entries a request (EventBridge quotas). */
const MAX_ENTRIES = 10;

/**
 * EventBridge's JSON protocol (awsJson1_1, `X-Amz-Target: AWSEvents.<Operation>`) for the calls the
 * rule scheduler and the grant follow-up make, so a packaged bundle can run against it through
 * AWS_ENDPOINT_URL_EVENTBRIDGE. Unit tests mock the SDK client instead; this is for tests that run
 * the shipped code unmodified.
 */
export class FakeEventBridge extends FakeHttpServer {
  readonly rules = new Map<string, { ScheduleExpression?: string; State?: string; targets: unknown[] }>();
  /** Every event PutEvents accepted, in order. */
  readonly events: PutEvent[] = [];
  /**
   * Delivers an accepted event to a target (as a rule would): called after PutEvents has answered,
   * never inside it. {@link delivered} waits for the deliveries and reports the first that failed.
   */
  onEvent?: ((event: PutEvent) => void | Promise<void>) | undefined;
  private readonly deliveries: Promise<void>[] = [];

  /** Waits until every event accepted so far (and any its delivery put) has been delivered; rejects with a delivery's failure. */
  async delivered(): Promise<void> {
    while (this.deliveries.length > 0) await Promise.all(this.deliveries.splice(0));
  }

  protected route(request: FakeRequest): FakeResponse {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || !target.startsWith('AWSEvents.')) {
      return { status: 400, body: { __type: 'UnknownOperationException', message: `unknown operation ${target}` } };
    }
    if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      return { status: 400, body: { __type: 'MissingAuthenticationTokenException', message: 'request is not signed' } };
    }
    const input = JSON.parse(request.body || '{}') as { Name?: string; Rule?: string; ScheduleExpression?: string; State?: string; Targets?: unknown[]; Ids?: string[]; Entries?: unknown };
    switch (target.slice('AWSEvents.'.length)) {
      case 'PutRule': {
        const name = input.Name ?? '';
        const existing = this.rules.get(name);
        this.rules.set(name, { ScheduleExpression: input.ScheduleExpression, State: input.State, targets: existing?.targets ?? [] });
        return { status: 200, body: { RuleArn: `arn:aws:events:eu-west-1:123456789012:rule/${name}` } };
      }
      case 'PutTargets': {
        const rule = this.rules.get(input.Rule ?? '');
        if (rule === undefined) return { status: 400, body: { __type: 'ResourceNotFoundException', message: `Rule ${input.Rule} does not exist.` } };
        rule.targets = input.Targets ?? [];
        return { status: 200, body: { FailedEntryCount: 0, FailedEntries: [] } };
      }
      case 'RemoveTargets': {
        const rule = this.rules.get(input.Rule ?? '');
        if (rule !== undefined) rule.targets = [];
        return { status: 200, body: { FailedEntryCount: 0, FailedEntries: [] } };
      }
      case 'DeleteRule':
        this.rules.delete(input.Name ?? '');
        return { status: 200, body: {} };
      case 'ListRules':
        return { status: 200, body: { Rules: [...this.rules.keys()].map((Name) => ({ Name })) } };
      case 'PutEvents':
        return this.putEvents(input.Entries);
      default:
        return { status: 400, body: { __type: 'UnknownOperationException', message: `unsupported operation ${target}` } };
    }
  }

  /**
   * As EventBridge answers: a request-level ValidationException for an empty or oversized batch;
   * otherwise 200, each entry accepted (EventId) or refused on its own (ErrorCode, ErrorMessage), and
   * FailedEntryCount counting the refused ones.
   */
  private putEvents(entries: unknown): FakeResponse {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      const count = Array.isArray(entries) ? entries.length : 0;
      return {
        status: 400,
        body: {
          __type: 'ValidationException',
          message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${count === 0 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`}`,
        },
      };
    }
    const results = entries.map((entry) => this.putEvent((typeof entry === 'object' && entry !== null ? entry : {}) as PutEventsEntry));
    return { status: 200, body: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results } };
  }

  private putEvent(entry: PutEventsEntry): EntryResult {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      const value = entry[field];
      if (typeof value !== 'string' || value === '') {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
      }
    }
    const { Source, DetailType, Detail } = entry as { Source: string; DetailType: string; Detail: string };
    const detail = parseObject(Detail);
    if (detail === undefined) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    if (Source.startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    const event: PutEvent = {
      EventId: randomUUID(),
      Source,
      DetailType,
      Detail: detail,
      EventBusName: typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : 'default',
    };
    this.events.push(event);
    const deliver = this.onEvent;
    if (deliver !== undefined) {
      const delivery = new Promise<void>((resolve) => setImmediate(resolve)).then(() => deliver(event));
      // Kept for delivered(); a failure nobody waits for is not an unhandled rejection.
      delivery.catch(() => undefined);
      this.deliveries.push(delivery);
    }
    return { EventId: event.EventId };
  }
}

/** The JSON object `text` holds, or undefined when it is not JSON or not an object. */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
