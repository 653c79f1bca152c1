import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { EVIDENCE_MAC_ALGORITHM, type EvidenceSeal } from '../../domain/evidence-digest.js';
import { EvidenceKeyError } from '../../errors.js';
import type { EvidenceMac } from '../../ports/evidence-mac.js';

/** A KMS call not answered within this fails (retryable). */
const TIMEOUT_MS = 5000;

/** Where a key's KMS answers: `https://kms.<region>.<partition's domain>`, from the key ARN's region and partition. */
export function kmsEndpoint(keyId: string, defaultRegion: string): { readonly endpoint: string; readonly region: string } {
  const [, partition = 'aws', , region = ''] = keyId.startsWith('arn:') ? keyId.split(':') : [];
  const at = region === '' ? defaultRegion : region;
  return { endpoint: `https://kms.${at}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}`, region: at };
}

/**
 * Evidence MACs with a KMS HMAC key (KeySpec HMAC_256, HMAC_SHA_256): GenerateMac for the sweep's
 * role, VerifyMac for the report's reader; the key never leaves KMS. Two calls of KMS's JSON
 * protocol (awsJson1_1, SigV4), made here rather than through the KMS client so that no function's
 * bundle grows by the client (the signer ships already, for EKS tokens). A MAC that does not verify
 * is KMS's KMSInvalidMacException, answered as false; any other failure is an EvidenceKeyError.
 */
export class KmsEvidenceMac implements EvidenceMac {
  private readonly signer: SignatureV4;
  readonly keyArn: string | undefined;

  constructor(
    private readonly options: {
      readonly keyId: string;
      readonly region: string;
      /** `https://kms.<region>.amazonaws.com`, or another endpoint (a VPC endpoint, a test's fake). */
      readonly endpoint: string;
      readonly credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
    },
  ) {
    this.keyArn = /^arn:[^:]+:kms:[^:]*:\d{12}:key\//.test(options.keyId) ? options.keyId : undefined;
    this.signer = new SignatureV4({ service: 'kms', region: options.region, credentials: options.credentials, sha256: Sha256 });
  }

  async generate(message: string): Promise<EvidenceSeal> {
    const out = await this.call('GenerateMac', { KeyId: this.options.keyId, Message: Buffer.from(message, 'utf8').toString('base64'), MacAlgorithm: EVIDENCE_MAC_ALGORITHM });
    if (out.kind === 'error') throw this.failure('GenerateMac', out);
    const { Mac, KeyId } = out.body as { Mac?: unknown; KeyId?: unknown };
    if (typeof Mac !== 'string' || Mac === '') throw new EvidenceKeyError(`KMS GenerateMac with key ${this.options.keyId} returned no MAC`);
    return { algorithm: EVIDENCE_MAC_ALGORITHM, keyId: typeof KeyId === 'string' ? KeyId : this.options.keyId, mac: Mac };
  }

  async verify(message: string, seal: EvidenceSeal): Promise<boolean> {
    const out = await this.call('VerifyMac', { KeyId: this.options.keyId, Message: Buffer.from(message, 'utf8').toString('base64'), Mac: seal.mac, MacAlgorithm: seal.algorithm });
    if (out.kind === 'error') {
      if (out.type === 'KMSInvalidMacException') return false;
      throw this.failure('VerifyMac', out);
    }
    return (out.body as { MacValid?: unknown }).MacValid === true;
  }

  private failure(operation: string, out: { readonly status: number; readonly type: string }): EvidenceKeyError {
    const retryable = out.status >= 500 || out.status === 0 || /Throttl|LimitExceeded|KMSInternal|DependencyTimeout/.test(out.type);
    return new EvidenceKeyError(`KMS ${operation} with key ${this.options.keyId} failed (${out.type})`, { retryable });
  }

  /** One signed awsJson1_1 call; an error answer is returned with its type (`__type` without its namespace). */
  private async call(operation: string, input: Record<string, string>): Promise<{ kind: 'ok'; body: unknown } | { kind: 'error'; status: number; type: string }> {
    const url = new URL(this.options.endpoint);
    const body = JSON.stringify(input);
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname === '' ? '/' : url.pathname,
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}`, 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    let signed;
    try {
      signed = await this.signer.sign(request);
    } catch (error) {
      throw new EvidenceKeyError(`KMS ${operation}: no AWS credentials to sign with`, { cause: error, retryable: false });
    }
    let status: number;
    let text: string;
    try {
      ({ status, text } = await send(url, signed.headers, body));
    } catch (error) {
      throw new EvidenceKeyError(`KMS ${operation} with key ${this.options.keyId} could not be reached`, { cause: error, retryable: true });
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = {};
    }
    if (status === 200) return { kind: 'ok', body: parsed };
    const type = (parsed as { __type?: unknown }).__type;
    return { kind: 'error', status, type: typeof type === 'string' && type !== '' ? (type.split('#').pop() ?? type) : `HTTP ${status}` };
  }
}

function send(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, { method: 'POST', headers, timeout: TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
