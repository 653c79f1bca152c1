import { describe, expect, it } from '@jest/globals';
import { storeHint } from '../../lib/cli/store-hints.js';
import { LeaseStoreError } from '../../lib/errors.js';

const named = (name: string, message = name) => Object.assign(new Error(message), { name });
const wrapped = (cause: unknown) => new LeaseStoreError('DynamoDB Query failed', { cause });
const AWS = { leasesTable: 'kube-lease-prod-leases', dynamodbEndpoint: undefined, region: 'eu-west-1', pendingGraceSeconds: 120, evidenceKey: undefined };
const LOCAL = { ...AWS, dynamodbEndpoint: 'http://127.0.0.1:8000' };

describe('storeHint (what the CLI says when the lease table cannot be read)', () => {
  it('names the table and the region when the table is missing in AWS, and says what to set', () => {
    // Act
    const hint = storeHint(wrapped(named('ResourceNotFoundException', 'Requested resource not found')), AWS);
    // Assess
    expect(hint).toMatch(/^no table "kube-lease-prod-leases" \(LEASES_TABLE\) in DynamoDB in eu-west-1 \(AWS_REGION; no DYNAMODB_ENDPOINT set\)\. Set LEASES_TABLE/);
    expect(hint).toContain('set DYNAMODB_ENDPOINT');
  });

  it('takes a refused connection from the error code or, re-wrapped by the SDK, from its message', () => {
    // Act
    const byCode = storeHint(wrapped(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' })), LOCAL);
    const byText = storeHint(wrapped(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:8000')), LOCAL);
    // Assess
    expect(byCode).toMatch(/^nothing answers at DYNAMODB_ENDPOINT http:\/\/127\.0\.0\.1:8000: start local mode \(npm start\) or the sandbox/);
    expect(byText).toBe(byCode);
  });

  it('says to give credentials or a local endpoint when AWS has none', () => {
    // Act / Assess
    expect(storeHint(wrapped(named('CredentialsProviderError', 'Could not load credentials from any providers')), AWS)).toMatch(/^no usable AWS credentials to read table "kube-lease-prod-leases".*set AWS_PROFILE.*DYNAMODB_ENDPOINT/);
  });

  it('adds nothing to an error it has nothing to say about', () => {
    // Act / Assess
    expect(storeHint(wrapped(named('ValidationException')), LOCAL)).toBeUndefined();
    expect(storeHint(new Error('disk full'), AWS)).toBeUndefined();
  });
});
