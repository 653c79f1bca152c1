import { describe, expect, it } from '@jest/globals';
import { BindingConflictError, ClusterError, ConfigError, publicReason, scrubSecrets, TicketSourceError } from '../../lib/errors.js';

describe('scrubSecrets', () => {
  it.each([
    ['a kubeconfig line quoted by a YAML parser', '  5 |     token: eyJhbGciOiJSUzI1NiJ9.abc\n  6 |    broken: x', 'eyJhbGciOiJSUzI1NiJ9'],
    ['a password in JSON', '{"user":"kube-lease","password":"hunter2-secret"}', 'hunter2-secret'],
    ['an Authorization header', 'authorization: Bearer abcdefghijklmnop', 'abcdefghijklmnop'],
    ['a bare bearer token', 'sent Bearer abcdefghijklmnop to the server', 'abcdefghijklmnop'],
    ['Basic credentials', 'Authorization=Basic a3ViZS1sZWFzZTpzZWNyZXQ=', 'a3ViZS1sZWFzZTpzZWNyZXQ='],
    ['client key data', 'client-key-data: LS0tLS1CRUdJTiBQUklWQVRF', 'LS0tLS1CRUdJTiBQUklWQVRF'],
    ['a PEM block', 'key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----', 'MIIEvQIBADANBg'],
    ['an EKS token', 'token k8s-aws-v1.aHR0cHM6Ly9zdHMu', 'aHR0cHM6Ly9zdHMu'],
    ['credentials in a URL', 'GET https://admin:p4ssw0rd@example.service-now.com/api failed', 'p4ssw0rd'],
  ])('removes %s', (_label, text, secret) => {
    const scrubbed = scrubSecrets(text);
    expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain('[redacted');
  });

  it('leaves ordinary error text alone', () => {
    const text = 'creating RoleBinding payments/kl-x in cluster demo failed: namespaces "payments" not found';
    expect(scrubSecrets(text)).toBe(text);
  });
});

describe('publicReason', () => {
  it('says what kind of failure it was, never the backend text', () => {
    expect(publicReason(new ClusterError('token: secret\nforbidden', 403))).toBe('the cluster refused the binding (403 Forbidden: kube-lease may not bind this role there)');
    expect(publicReason(new ClusterError('etcd leader changed', 503, { retryable: true }))).toBe('the cluster was unavailable');
    expect(publicReason(new BindingConflictError('payments', 'kl-x', 'other'))).toContain('left untouched');
    expect(publicReason(new ConfigError('kubeconfig: token: x'))).toBe("kube-lease's configuration for this cluster is not usable");
    expect(publicReason(new TicketSourceError('Jira: password=x', 500))).toBe("the ticketing system's API failed");
    expect(publicReason(new Error('anything at all'))).toBe('an internal error');
  });
});
