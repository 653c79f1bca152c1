import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventBridgeFollowUp, FOLLOW_UP_DETAIL_TYPE } from '../../lib/adapters/eventbridge/eventbridge-follow-up.js';
import { SchedulerError } from '../../lib/errors.js';
import { FakeEventBridge, type PutEvent } from '../fakes/fake-eventbridge.js';

const LEASE_ID = '0123456789abcdef0123';
const SOURCE = 'kube-lease-prod';
/** The ACTIVE write the follow-up is sent beside; a remote follow-up never waits for it. */
const never = new Promise<never>(() => undefined);

/** The real SDK client over HTTP against a fake EventBridge endpoint: errors, retries and PutEvents' 200-with-failures as in AWS. */
describe('EventBridgeFollowUp', () => {
  let fake: FakeEventBridge;
  let client: EventBridgeClient;

  beforeEach(async () => {
    fake = new FakeEventBridge();
    const endpoint = await fake.start();
    client = new EventBridgeClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' }, maxAttempts: 3 });
  });
  afterEach(async () => {
    client.destroy();
    await fake.stop();
  });

  const putEventsCalls = () => fake.requests.filter((r) => r.headers['x-amz-target'] === 'AWSEvents.PutEvents').length;
  const failure = async (promise: Promise<unknown>): Promise<SchedulerError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof SchedulerError)) throw new Error(`expected a SchedulerError, got ${String(error)}`);
    return error;
  };

  it('puts one event with our source, the announcement detail-type and the lease id, on the named bus', async () => {
    // Prepare
    const followUp = new EventBridgeFollowUp(client, { source: SOURCE, eventBusName: 'kube-lease-bus' });
    // Act
    await followUp.request(LEASE_ID, never);
    // Assess
    expect(FOLLOW_UP_DETAIL_TYPE).toBe('Grant announcement due');
    expect(fake.events).toEqual([{ EventId: expect.any(String), Source: SOURCE, DetailType: 'Grant announcement due', Detail: { leaseId: LEASE_ID }, EventBusName: 'kube-lease-bus' }]);
    expect(putEventsCalls()).toBe(1);
  });

  it('puts it on the default bus when no bus is named, without waiting for the ACTIVE write', async () => {
    const followUp = new EventBridgeFollowUp(client, { source: SOURCE });
    await followUp.request(LEASE_ID, never);
    expect(fake.events.map((e) => [e.EventBusName, e.Detail])).toEqual([['default', { leaseId: LEASE_ID }]]);
    const [request] = fake.requests;
    expect(JSON.parse(request?.body ?? '{}')).toEqual({ Entries: [{ Source: SOURCE, DetailType: 'Grant announcement due', Detail: `{"leaseId":"${LEASE_ID}"}` }] });
  });

  it('turns a refused entry into a SchedulerError naming its code, final for NotAuthorizedForSourceException', async () => {
    // EventBridge answers 200 and refuses the entry: a source of AWS's own is not ours to use.
    const followUp = new EventBridgeFollowUp(client, { source: 'aws.kube-lease' });
    const error = await failure(followUp.request(LEASE_ID, never));
    expect(error.message).toContain('NotAuthorizedForSourceException');
    expect(error.message).toContain(LEASE_ID);
    expect(error.retryable).toBe(false);
    expect(fake.events).toEqual([]);
    expect(putEventsCalls()).toBe(1);
  });

  it.each(['ThrottlingException', 'InternalFailure'])('turns an entry refused with %s into a retryable SchedulerError', async (code) => {
    fake.failNext({ pathIncludes: '/', response: { status: 200, body: { FailedEntryCount: 1, Entries: [{ ErrorCode: code, ErrorMessage: 'try again' }] } } });
    const error = await failure(new EventBridgeFollowUp(client, { source: SOURCE }).request(LEASE_ID, never));
    expect(error.message).toContain(`${code}: try again`);
    expect(error.retryable).toBe(true);
  });

  it('rides out one throttled request: the SDK retries and the event is put once', async () => {
    fake.failNext({ pathIncludes: '/', response: { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } } });
    await new EventBridgeFollowUp(client, { source: SOURCE }).request(LEASE_ID, never);
    expect(putEventsCalls()).toBe(2);
    expect(fake.events).toHaveLength(1);
  });

  it.each([
    ['an HTTP 500', { status: 500, body: { __type: 'InternalException', message: 'Internal error' } }, 'InternalException'],
    ['throttling', { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } }, 'ThrottlingException'],
  ])('gives up after the SDK’s attempts on %s with a retryable SchedulerError', async (_what, response, name) => {
    fake.failNext({ pathIncludes: '/', times: 3, response });
    const error = await failure(new EventBridgeFollowUp(client, { source: SOURCE }).request(LEASE_ID, never));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(name);
    expect((error.cause as Error).name).toBe(name);
    expect(putEventsCalls()).toBe(3);
    expect(fake.events).toEqual([]);
  });

  it('reports AccessDenied as a final SchedulerError, at once', async () => {
    fake.failNext({ pathIncludes: '/', response: { status: 400, body: { __type: 'AccessDeniedException', message: 'not authorized to perform: events:PutEvents' } } });
    const error = await failure(new EventBridgeFollowUp(client, { source: SOURCE }).request(LEASE_ID, never));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('AccessDeniedException');
    expect((error.cause as Error).name).toBe('AccessDeniedException');
    expect(putEventsCalls()).toBe(1);
  });
});

/** The fake's PutEvents, held to the real API's rules: a test that relies on them must be able to trust them. */
describe('FakeEventBridge PutEvents', () => {
  let fake: FakeEventBridge;
  let client: EventBridgeClient;

  beforeEach(async () => {
    fake = new FakeEventBridge();
    client = new EventBridgeClient({ region: 'eu-west-1', endpoint: await fake.start(), credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' }, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await fake.stop();
  });

  const entry = (n: number) => ({ Source: 'kube-lease-test', DetailType: 'Grant announcement due', Detail: JSON.stringify({ n }) });

  it('refuses more than 10 entries as a whole with ValidationException', async () => {
    const error = await client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, i) => entry(i)) })).catch((e: unknown) => e);
    expect((error as Error).name).toBe('ValidationException');
    expect(fake.events).toEqual([]);
    await expect(client.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, i) => entry(i)) }))).resolves.toMatchObject({ FailedEntryCount: 0 });
    expect(fake.events).toHaveLength(10);
  });

  it('refuses entries one by one: a missing field, a Detail that is no JSON object, an aws. source', async () => {
    const output = await client.send(
      new PutEventsCommand({
        Entries: [entry(1), { Source: 'kube-lease-test', DetailType: 'x' }, { ...entry(2), Detail: '[1]' }, { ...entry(3), Source: 'aws.ec2' }, entry(4)],
      }),
    );
    expect(output.FailedEntryCount).toBe(3);
    expect(output.Entries?.map((e) => e.ErrorCode ?? (e.EventId === undefined ? 'no id' : 'ok'))).toEqual(['ok', 'InvalidArgument', 'MalformedDetail', 'NotAuthorizedForSourceException', 'ok']);
    expect(output.Entries?.[1]?.ErrorMessage).toContain('Detail');
    expect(fake.events.map((e) => e.Detail)).toEqual([{ n: 1 }, { n: 4 }]);
  });

  it('delivers each accepted event to onEvent, and delivered() reports a failed delivery', async () => {
    const seen: PutEvent[] = [];
    fake.onEvent = (event) => {
      seen.push(event);
      if (event.Detail.n === 2) throw new Error('target failed');
    };
    await client.send(new PutEventsCommand({ Entries: [entry(1)] }));
    await fake.delivered();
    expect(seen.map((e) => e.Detail)).toEqual([{ n: 1 }]);
    await client.send(new PutEventsCommand({ Entries: [entry(2)] }));
    await expect(fake.delivered()).rejects.toThrow('target failed');
  });
});
