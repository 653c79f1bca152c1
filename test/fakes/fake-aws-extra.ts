import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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

/**
 * AWS KMS's JSON protocol (awsJson1_1, `X-Amz-Target: TrentService.<Operation>`) for the calls the
 * evidence seal makes, with HMAC keys (KeySpec HMAC_256): GenerateMac (`{ KeyId, Message, MacAlgorithm }`
 * → `{ KeyId, Mac, MacAlgorithm }`, blobs base64) and VerifyMac (→ `{ KeyId, MacValid: true, MacAlgorithm }`,
 * or the error KMSInvalidMacException when the MAC is not the key's: KMS never answers MacValid false).
 * A KeyId is the key's ARN or its id; an unknown one is NotFoundException, a MAC algorithm that
 * is not the key's InvalidKeyUsageException, a disabled key DisabledException, and an operation
 * denied with `deny` AccessDeniedException, a request not signed for `kms` MissingAuthenticationTokenException,
 * a VerifyMac `Mac` outside KMS's length constraint (1..6144 bytes) or a `Message` outside 1..4096 bytes
 * ValidationException (input validation, before authorization), all with KMS's `{ __type, message }` error shape.
 */
export class FakeKms extends FakeHttpServer {
  private readonly keys = new Map<string, { readonly secret: Buffer; enabled: boolean }>();
  private readonly denied = new Set<string>();

  /** Creates an HMAC_256 key with this ARN (`arn:aws:kms:<region>:<account>:key/<id>`). */
  createHmacKey(arn: string): void {
    this.keys.set(arn, { secret: randomBytes(32), enabled: true });
  }

  disable(arn: string): void {
    const key = this.keys.get(arn);
    if (key !== undefined) key.enabled = false;
  }

  /** Refuses an operation (`GenerateMac`, `VerifyMac`) as IAM or the key policy would. */
  deny(operation: string): void {
    this.denied.add(operation);
  }

  /** The MAC calls received: operation and key. */
  macCalls(): { operation: string; keyId: string }[] {
    return this.requests.map((r) => ({ operation: String(r.headers['x-amz-target'] ?? '').replace('TrentService.', ''), keyId: (JSON.parse(r.body || '{}') as { KeyId?: string }).KeyId ?? '' }));
  }

  protected route(request: FakeRequest): FakeResponse {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.replace('TrentService.', '');
    const error = (type: string, message: string): FakeResponse => ({ status: 400, body: { __type: type, message }, headers: { 'content-type': 'application/x-amz-json-1.1' } });
    if (operation !== 'GenerateMac' && operation !== 'VerifyMac') return error('UnknownOperationException', `unknown operation ${target}`);
    // Every KMS request is SigV4-signed for the service `kms` (the signature itself is not checked here).
    if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/kms\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/.test(String(request.headers.authorization ?? ''))) {
      return error('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const input = JSON.parse(request.body || '{}') as { KeyId?: string; Message?: string; Mac?: string; MacAlgorithm?: string };
    if (operation === 'VerifyMac') {
      const given = Buffer.from(input.Mac ?? '', 'base64');
      if (given.length < 1) return error('ValidationException', '1 validation error detected: Value at \'mac\' failed to satisfy constraint: Member must have length greater than or equal to 1');
      if (given.length > 6144) return error('ValidationException', '1 validation error detected: Value at \'mac\' failed to satisfy constraint: Member must have length less than or equal to 6144');
    }
    const arn = [...this.keys.keys()].find((k) => k === input.KeyId || k.endsWith(`:key/${input.KeyId ?? ''}`));
    if (this.denied.has(operation)) {
      return error('AccessDeniedException', `User: arn:aws:sts::123456789012:assumed-role/reader/session is not authorized to perform: kms:${operation} on resource: ${arn ?? input.KeyId ?? ''} because no identity-based policy allows the kms:${operation} action`);
    }
    const key = arn === undefined ? undefined : this.keys.get(arn);
    if (arn === undefined || key === undefined) return error('NotFoundException', `Key '${input.KeyId ?? ''}' does not exist`);
    if (!key.enabled) return error('DisabledException', `${arn} is disabled.`);
    if (input.MacAlgorithm !== 'HMAC_SHA_256') return error('InvalidKeyUsageException', `${arn} key usage is GENERATE_VERIFY_MAC and key spec HMAC_256, which does not support ${input.MacAlgorithm ?? 'no'} MAC algorithm.`);
    const message = Buffer.from(input.Message ?? '', 'base64');
    if (message.length < 1 || message.length > 4096) return error('ValidationException', '1 validation error detected: Value at \'message\' failed to satisfy constraint: Member must have length less than or equal to 4096');
    const mac = createHmac('sha256', key.secret).update(message).digest();
    const ok = (body: unknown): FakeResponse => ({ status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.1' } });
    if (operation === 'GenerateMac') return ok({ KeyId: arn, Mac: mac.toString('base64'), MacAlgorithm: input.MacAlgorithm });
    const given = Buffer.from(input.Mac ?? '', 'base64');
    if (given.length !== mac.length || !timingSafeEqual(given, mac)) return error('KMSInvalidMacException', 'The MAC is not valid.');
    return ok({ KeyId: arn, MacValid: true, MacAlgorithm: input.MacAlgorithm });
  }
}
