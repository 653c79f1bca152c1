import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';

/**
 * EventBridge's JSON protocol (awsJson1_1, `X-Amz-Target: AWSEvents.<Operation>`) for the calls the
 * rule scheduler makes, so a packaged bundle can run against it through AWS_ENDPOINT_URL_EVENTBRIDGE.
 * Unit tests mock the SDK client instead; this is for tests that run the shipped code unmodified.
 */
export class FakeEventBridge extends FakeHttpServer {
  readonly rules = new Map<string, { ScheduleExpression?: string; State?: string; targets: unknown[] }>();

  protected route(request: FakeRequest): FakeResponse {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || !target.startsWith('AWSEvents.')) {
      return { status: 400, body: { __type: 'UnknownOperationException', message: `unknown operation ${target}` } };
    }
    if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      return { status: 400, body: { __type: 'MissingAuthenticationTokenException', message: 'request is not signed' } };
    }
    const input = JSON.parse(request.body || '{}') as { Name?: string; Rule?: string; ScheduleExpression?: string; State?: string; Targets?: unknown[]; Ids?: string[] };
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
      default:
        return { status: 400, body: { __type: 'UnknownOperationException', message: `unsupported operation ${target}` } };
    }
  }
}
