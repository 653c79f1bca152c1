import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';

/**
 * SSM Parameter Store's JSON protocol (awsJson1_1, `X-Amz-Target: AmazonSSM.GetParameter`) for the
 * one call kube-lease makes, with the answer shape of a SecureString read with decryption.
 */
export class FakeSsm extends FakeHttpServer {
  constructor(readonly parameters: Record<string, string>) {
    super();
  }

  protected route(request: FakeRequest): FakeResponse {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target !== 'AmazonSSM.GetParameter') return { status: 400, body: { __type: 'UnknownOperationException', message: `unknown operation ${target}` } };
    const { Name } = JSON.parse(request.body || '{}') as { Name?: string };
    const value = Name === undefined ? undefined : this.parameters[Name];
    if (value === undefined) return { status: 400, body: { __type: 'ParameterNotFound', message: `Parameter ${Name} not found.` } };
    return {
      status: 200,
      body: { Parameter: { Name, Type: 'SecureString', Value: value, Version: 1, LastModifiedDate: 1_764_000_000, ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${Name}`, DataType: 'text' } },
    };
  }
}

/**
 * EventBridge Scheduler's REST-JSON protocol for the calls the scheduler backend makes:
 * CreateSchedule (`POST /schedules/{Name}`), UpdateSchedule (`PUT`) and DeleteSchedule (`DELETE`).
 */
export class FakeScheduler extends FakeHttpServer {
  readonly schedules = new Map<string, unknown>();

  protected route(request: FakeRequest): FakeResponse {
    const match = /^\/schedules\/([^/]+)$/.exec(request.path);
    if (match?.[1] === undefined) return { status: 404, body: { Message: `no route ${request.method} ${request.path}` } };
    const name = match[1];
    const arn = `arn:aws:scheduler:eu-west-1:123456789012:schedule/default/${name}`;
    switch (request.method) {
      case 'POST':
        if (this.schedules.has(name)) return { status: 409, body: { Message: `Schedule ${name} already exists.` }, headers: { 'x-amzn-errortype': 'ConflictException' } };
        this.schedules.set(name, JSON.parse(request.body || '{}'));
        return { status: 200, body: { ScheduleArn: arn } };
      case 'PUT':
        this.schedules.set(name, JSON.parse(request.body || '{}'));
        return { status: 200, body: { ScheduleArn: arn } };
      case 'DELETE':
        if (!this.schedules.delete(name)) return { status: 404, body: { Message: `Schedule ${name} does not exist.` }, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' } };
        return { status: 200, body: {} };
      default:
        return { status: 405, body: { Message: 'method not allowed' } };
    }
  }
}
