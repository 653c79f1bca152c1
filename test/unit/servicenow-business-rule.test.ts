import { describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { SERVICENOW_DELIVERY_HEADER, SERVICENOW_SIGNATURE_HEADER, SERVICENOW_TIMESTAMP_HEADER, verifyServiceNowSignature } from '../../lib/sources/servicenow/servicenow-webhook.js';

const RULE = readFileSync(new URL('../../deploy/servicenow-business-rule.js', import.meta.url), 'utf8');
const SECRET = 'rule-secret';

interface Sent {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Runs the shipped business rule as ServiceNow would, against stand-ins of the Glide APIs it calls
 * (`gs`, GlideDateTime, GlideCertificateEncryption.generateMac with a base64 key, RESTMessageV2),
 * and returns what it sent.
 */
function runRule(record: Record<string, string>, changed: readonly string[]): Sent[] {
  const sent: Sent[] = [];
  const element = (field: string) => ({ nil: () => (record[field] ?? '') === '', changes: () => changed.includes(field) });
  const current = new Proxy(
    { getValue: (field: string) => record[field] ?? '', getUniqueValue: () => record.sys_id ?? '' },
    { get: (target, property) => (property in target ? target[property as keyof typeof target] : element(String(property))) },
  );
  const properties: Record<string, string> = { 'x_kube_lease.webhook_url': 'https://example.invalid/webhooks/servicenow', 'x_kube_lease.webhook_secret': SECRET };
  class RESTMessageV2 {
    private readonly headers: Record<string, string> = {};
    private body = '';
    setEndpoint(): void {}
    setHttpMethod(): void {}
    setHttpTimeout(): void {}
    setRequestHeader(name: string, value: string): void {
      this.headers[name.toLowerCase()] = value;
    }
    setRequestBody(body: string): void {
      this.body = body;
    }
    execute() {
      sent.push({ headers: this.headers, body: this.body });
      return { getStatusCode: () => 200, getBody: () => '{}' };
    }
  }
  runInNewContext(RULE, {
    current,
    gs: {
      getProperty: (name: string, fallback?: string) => properties[name] ?? fallback,
      generateGUID: () => randomBytes(16).toString('hex'),
      error: (message: string) => {
        throw new Error(message);
      },
    },
    GlideDateTime: class {
      getNumericValue(): number {
        return Date.now();
      }
    },
    GlideCertificateEncryption: class {
      generateMac(keyBase64: string, algorithm: string, data: string): string {
        expect(algorithm).toBe('HmacSHA256');
        return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(data).digest('base64');
      }
    },
    GlideStringUtil: { base64Encode: (text: string) => Buffer.from(text).toString('base64') },
    sn_ws: { RESTMessageV2 },
  });
  return sent;
}

const change = (fields: Record<string, string> = {}) => ({ sys_id: 'a'.repeat(32), number: 'CHG0030001', u_k8s_profile: 'payments-read', ...fields });

describe('deploy/servicenow-business-rule.js', () => {
  it('sends a hint that kube-lease accepts: timestamp, delivery id and body all signed', () => {
    const [sent] = runRule(change(), ['state']);
    expect(sent).toBeDefined();
    const headers = sent?.headers ?? {};
    const verdict = verifyServiceNowSignature(
      Buffer.from(sent?.body ?? ''),
      { signature: headers[SERVICENOW_SIGNATURE_HEADER], timestamp: headers[SERVICENOW_TIMESTAMP_HEADER], deliveryId: headers[SERVICENOW_DELIVERY_HEADER] },
      SECRET,
      Date.now(),
    );
    expect(verdict.ok).toBe(true);
    expect(JSON.parse(sent?.body ?? '{}')).toEqual({ sys_id: 'a'.repeat(32), number: 'CHG0030001', table: 'change_request', event: 'update' });
    // The same request under another delivery id is not accepted.
    const moved = verifyServiceNowSignature(
      Buffer.from(sent?.body ?? ''),
      { signature: headers[SERVICENOW_SIGNATURE_HEADER], timestamp: headers[SERVICENOW_TIMESTAMP_HEADER], deliveryId: 'another-id' },
      SECRET,
      Date.now(),
    );
    expect(moved.ok).toBe(false);
  });

  it('stays silent for a change that requests no access', () => {
    expect(runRule(change({ u_k8s_profile: '', state: '-1' }), ['state'])).toEqual([]);
    expect(runRule(change({ u_k8s_profile: '' }), ['approval'])).toEqual([]);
  });

  it('still sends the close of a change without a profile, so access granted before the profile was cleared ends with it', () => {
    expect(runRule(change({ u_k8s_profile: '', state: '0' }), ['u_k8s_profile'])).toEqual([]);
    expect(runRule(change({ u_k8s_profile: '', state: '3' }), ['state'])).toHaveLength(1);
    expect(runRule(change({ u_k8s_profile: '', state: '4' }), ['state'])).toHaveLength(1);
    expect(runRule(change({ u_k8s_profile: '', state: '-1', approval: 'rejected' }), ['approval'])).toHaveLength(1);
  });
});
