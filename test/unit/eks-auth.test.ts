import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { EKS_TOKEN_PREFIX, mintEksToken } from '../../lib/adapters/kubernetes/eks-token.js';
import { makeRbacApiProvider, type EksAccess } from '../../lib/adapters/kubernetes/rbac-api-provider.js';
import { KubernetesCluster } from '../../lib/adapters/kubernetes/kubernetes-cluster.js';
import { LABEL_LEASE_ID } from '../../lib/domain/names.js';
import { ClusterError } from '../../lib/errors.js';
import { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { testCertificate } from '../support/tls.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = new Date('2026-11-28T10:00:00.000Z');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();

describe('mintEksToken', () => {
  it('presigns STS GetCallerIdentity with the cluster name as a signed header, as aws-iam-authenticator expects', async () => {
    const token = await mintEksToken({ clusterName: 'prod-eu', region: 'eu-west-1', credentials, now: NOW });

    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    const encoded = token.slice(EKS_TOKEN_PREFIX.length);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261128/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20261128T100000Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(q.has('x-k8s-aws-id')).toBe(false);

    // Recompute the SigV4 signature from the spec, independently of the signer.
    const canonicalQuery = [...q.entries()]
      .filter(([k]) => k !== 'X-Amz-Signature')
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .sort()
      .join('&');
    const canonicalRequest = ['GET', '/', canonicalQuery, 'host:sts.eu-west-1.amazonaws.com', 'x-k8s-aws-id:prod-eu', '', 'host;x-k8s-aws-id', sha256('')].join('\n');
    const stringToSign = ['AWS4-HMAC-SHA256', '20261128T100000Z', '20261128/eu-west-1/sts/aws4_request', sha256(canonicalRequest)].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, '20261128'), 'eu-west-1'), 'sts'), 'aws4_request');
    expect(q.get('X-Amz-Signature')).toBe(createHmac('sha256', key).update(stringToSign).digest('hex'));
  });

  it('signs for the named cluster only', async () => {
    const a = await mintEksToken({ clusterName: 'a', region: 'eu-west-1', credentials, now: NOW });
    const b = await mintEksToken({ clusterName: 'b', region: 'eu-west-1', credentials, now: NOW });
    expect(a).not.toBe(b);
  });
});

describe('EKS clusters in the catalog', () => {
  const catalog = parseCatalog(
    DEMO_CATALOG.replace('  demo: {}', '  demo: {}\n  prod-eu:\n    type: eks\n    name: prod-eu\n    region: eu-west-1').replace(
      'cluster: demo\n    namespaces: [payments]\n    roleRef: { kind: Role',
      'cluster: prod-eu\n    namespaces: [payments]\n    roleRef: { kind: Role',
    ),
  );

  function access() {
    const calls = { describe: 0, token: 0 };
    const eks: EksAccess = {
      describe: () => {
        calls.describe += 1;
        return Promise.resolve({ endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com', caData: Buffer.from('ca').toString('base64') });
      },
      token: () => {
        calls.token += 1;
        return Promise.resolve(`${EKS_TOKEN_PREFIX}x${calls.token}`);
      },
    };
    return { eks, calls };
  }

  it('describes the cluster once per cold start and reuses a token until shortly before its 15 minutes run out', async () => {
    const clock = new ManualClock();
    const { eks, calls } = access();
    const provider = makeRbacApiProvider(catalog.clusters, undefined, () => Promise.reject(new Error('no kubeconfig')), eks, clock);

    const first = await provider('prod-eu');
    clock.advance(10 * 60_000);
    expect(await provider('prod-eu')).toBe(first);
    expect(calls).toEqual({ describe: 1, token: 1 });

    clock.advance(5 * 60_000);
    const renewed = await provider('prod-eu');
    expect(renewed).not.toBe(first);
    expect(calls).toEqual({ describe: 1, token: 2 });
  });

  it('uses endpoint and CA from the catalog when given, without DescribeCluster', async () => {
    const withEndpoint = parseCatalog(
      DEMO_CATALOG.replace('  demo: {}', '  demo:\n    type: eks\n    name: demo\n    region: eu-west-1\n    endpoint: https://demo.example.com\n    caData: Y2E='),
    );
    const { eks, calls } = access();
    await makeRbacApiProvider(withEndpoint.clusters, undefined, () => Promise.reject(new Error('no')), eks)('demo');
    expect(calls).toEqual({ describe: 0, token: 1 });
  });

  it('lets several clusters, EKS and kubeconfig, work side by side', async () => {
    const { eks, calls } = access();
    const kubeconfig = 'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: https://kube.example.com\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n';
    const provider = makeRbacApiProvider(catalog.clusters, '/unused', () => Promise.resolve(kubeconfig), eks);
    const [a, b] = await Promise.all([provider('prod-eu'), provider('demo')]);
    expect(a).not.toBe(b);
    expect(calls.token).toBe(1);
  });

  it('rejects an EKS cluster with an endpoint but no CA', () => {
    expect(() => parseCatalog(DEMO_CATALOG.replace('  demo: {}', '  demo:\n    type: eks\n    name: demo\n    region: eu-west-1\n    endpoint: https://x.example.com'))).toThrow(/both endpoint and caData/);
  });
});

describe('EKS over TLS (fake API server on HTTPS, client-node as installed)', () => {
  const catalog = parseCatalog(DEMO_CATALOG.replace('  demo: {}', '  demo:\n    type: eks\n    name: demo\n    region: eu-west-1'));
  const manifest = {
    metadata: { name: 'kube-lease-tls-test', namespace: 'payments', labels: { [LABEL_LEASE_ID]: 'lease-tls', 'app.kubernetes.io/managed-by': 'kube-lease' }, annotations: {} },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@example.com' }],
  } as const;

  async function eksAgainst(caPem: string) {
    const certificate = await testCertificate();
    const kube = new FakeKubernetes(undefined, `${EKS_TOKEN_PREFIX}minted`);
    const url = await kube.start({ key: certificate.key, cert: certificate.cert });
    const eks: EksAccess = {
      describe: () => Promise.resolve({ endpoint: url, caData: Buffer.from(caPem).toString('base64') }),
      token: () => Promise.resolve(`${EKS_TOKEN_PREFIX}minted`),
    };
    const cluster = new KubernetesCluster(makeRbacApiProvider(catalog.clusters, undefined, () => Promise.reject(new Error('no kubeconfig')), eks), 'kube-lease-test', { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, 5_000);
    return { kube, cluster };
  }

  it('creates the binding with the minted token, verifying the API server against the CA from DescribeCluster', async () => {
    const { kube, cluster } = await eksAgainst((await testCertificate()).cert);
    try {
      expect(await cluster.applyBinding('demo', manifest)).toBe('created');
      expect(kube.bindings.has('payments/kube-lease-tls-test')).toBe(true);
      expect(kube.requests[0]?.headers.authorization).toBe(`Bearer ${EKS_TOKEN_PREFIX}minted`);
    } finally {
      await kube.stop();
    }
  });

  it('refuses an API server whose certificate the cluster CA did not sign, before sending the token', async () => {
    const { kube, cluster } = await eksAgainst((await testCertificate()).clientCert);
    try {
      await expect(cluster.applyBinding('demo', manifest)).rejects.toBeInstanceOf(ClusterError);
      expect(kube.requests).toHaveLength(0);
      expect(kube.bindings.size).toBe(0);
    } finally {
      await kube.stop();
    }
  });
});
