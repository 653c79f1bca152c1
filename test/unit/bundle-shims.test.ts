import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from '@jest/globals';
import * as jsYaml from 'js-yaml';
import { load } from '../../lib/bundle/js-yaml-lite.js';
import { Agent, fetch, ProxyAgent, UnsupportedDispatcherError } from '../../lib/bundle/undici-lite.js';
import * as unsupported from '../../lib/bundle/unsupported-kubeconfig-features.js';
import * as errors from '../../lib/errors.js';
import { testCertificate } from '../support/tls.js';

/** What the server saw of each request, and whether the client presented a trusted certificate. */
interface Seen {
  method: string;
  path: string;
  body: string;
  authorization: string | undefined;
  clientAuthorized: boolean | undefined;
}

let servers: Server[] = [];

async function serve(server: Server, secure: boolean): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as Partial<TLSSocket>;
      seen.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString(), authorization: req.headers.authorization, clientAuthorized: socket.authorized });
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      if (req.url === '/slow') return; // never answers
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
      res.end(JSON.stringify({ kind: req.url === '/missing' ? 'Status' : 'RoleBinding', echo: Buffer.concat(chunks).toString() }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `${secure ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => { s.closeAllConnections(); s.close(resolve); })));
  servers = [];
});

describe('undici-lite (the bundle’s undici): the fetch client-node calls, over node:http(s)', () => {
  it('sends method, headers and body and returns a standard Response with status, headers and body', async () => {
    const { url, seen } = await serve(createHttpServer(), false);
    const response = await fetch(`${url}/apis/rbac`, { method: 'POST', body: '{"a":1}', headers: { authorization: 'Bearer t', 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(await response.json()).toEqual({ kind: 'RoleBinding', echo: '{"a":1}' });
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/apis/rbac', body: '{"a":1}', authorization: 'Bearer t' });
    const missing = await fetch(`${url}/missing`);
    expect(missing.status).toBe(404);
    const empty = await fetch(`${url}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    // A DELETE with a body (client-node's uid precondition) arrives whole, and the connection stays usable.
    const precondition = JSON.stringify({ preconditions: { uid: 'ü-1' } });
    const deleted = await fetch(`${url}/apis/rbac/x`, { method: 'DELETE', body: precondition, headers: { 'content-type': 'application/json' } });
    expect(await deleted.json()).toEqual({ kind: 'RoleBinding', echo: precondition });
    expect((await fetch(`${url}/after`)).status).toBe(200);
    expect(seen.map((s) => `${s.method} ${s.path}`).slice(-2)).toEqual(['DELETE /apis/rbac/x', 'GET /after']);
  });

  it('verifies TLS: trusts the kubeconfig CA given as dispatcher, refuses an unknown certificate otherwise', async () => {
    const certificate = await testCertificate();
    const { url } = await serve(createHttpsServer({ key: certificate.key, cert: certificate.cert }), true);
    const trusted = await fetch(`${url}/ok`, { dispatcher: new Agent({ connect: { ca: certificate.cert, keepAlive: true, keepAliveInitialDelay: 30_000 } }) });
    expect(trusted.status).toBe(200);
    await expect(fetch(`${url}/ok`)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    await expect(fetch(`${url}/ok`, { dispatcher: new Agent({ connect: { ca: (await testCertificate()).clientCert } }) })).rejects.toThrow();
    // insecure-skip-tls-verify becomes rejectUnauthorized: false, and only then is it accepted.
    expect((await fetch(`${url}/ok`, { dispatcher: new Agent({ connect: { rejectUnauthorized: false } }) })).status).toBe(200);
  });

  it('reuses one TLS connection per cluster and credential, though client-node builds a dispatcher per request', async () => {
    // Prepare
    const certificate = await testCertificate();
    const server = createHttpsServer({ key: certificate.key, cert: certificate.cert });
    let handshakes = 0;
    server.on('secureConnection', () => {
      handshakes += 1;
    });
    const { url } = await serve(server, true);
    // Act: ten requests, each with a fresh dispatcher of the same kubeconfig options, as client-node does.
    for (let i = 0; i < 10; i += 1) {
      const response = await fetch(`${url}/ok`, { dispatcher: new Agent({ connect: { ca: certificate.cert, keepAlive: true } }) });
      expect(response.status).toBe(200);
    }
    // Assess: one handshake; other options (another credential) get a pool of their own.
    expect(handshakes).toBe(1);
    expect((await fetch(`${url}/ok`, { dispatcher: new Agent({ connect: { ca: certificate.cert, rejectUnauthorized: true } }) })).status).toBe(200);
    expect(handshakes).toBe(2);
  });

  it('presents the kubeconfig client certificate (mutual TLS)', async () => {
    const certificate = await testCertificate();
    const { url, seen } = await serve(createHttpsServer({ key: certificate.key, cert: certificate.cert, ca: certificate.cert, requestCert: true, rejectUnauthorized: false }), true);
    await fetch(`${url}/ok`, { dispatcher: new Agent({ connect: { ca: certificate.cert, cert: certificate.clientCert, key: certificate.clientKey } }) });
    await fetch(`${url}/ok`, { dispatcher: new Agent({ connect: { ca: certificate.cert } }) });
    expect(seen.map((s) => s.clientAuthorized)).toEqual([true, false]);
  });

  it('honours the abort signal (client-node’s timeouts) and refuses what it cannot do faithfully', async () => {
    const { url } = await serve(createHttpServer(), false);
    await expect(fetch(`${url}/slow`, { signal: AbortSignal.timeout(50) })).rejects.toThrow(/abort|timeout/i);
    expect(() => new ProxyAgent()).toThrow(UnsupportedDispatcherError);
    expect(() => new Agent({ connect: () => undefined })).toThrow(/SOCKS/);
    await expect(fetch(`${url}/ok`, { dispatcher: {} })).rejects.toThrow(UnsupportedDispatcherError);
    await expect(fetch('ftp://127.0.0.1/x')).rejects.toThrow(/protocol/);
  });
});

describe('js-yaml-lite (the bundle’s js-yaml): parses kubeconfigs as js-yaml does', () => {
  const kubeconfigs = [
    `apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTg==
users:
- name: bot
  user:
    token: "abc:def"
contexts:
- name: prod
  context: { cluster: prod, user: bot, namespace: "0123" }
`,
    `base: &base
  server: https://k8s.example.com
  insecure-skip-tls-verify: false
clusters:
- name: a
  cluster:
    <<: *base
    proxy-url: null
preferences: {}
port: 0x1F
ratio: 1.5e3
flags: [yes, no, on, off, true, ~]
`,
    `users:
- name: oidc
  user:
    auth-provider:
      name: oidc
      config:
        expiry: 2026-11-28T10:00:00Z
        id-token: eyJhbGciOiJSUzI1NiJ9.e30.c2ln
        idp-certificate-authority-data: "LS0t"
        extra-scopes: groups,email
`,
  ];
  it.each(kubeconfigs.map((text, i) => ({ i, text })))('kubeconfig $i', ({ text }) => {
    expect(load(text)).toEqual(jsYaml.load(text));
  });

  it('refuses duplicate keys, like js-yaml', () => {
    const text = 'a: 1\na: 2\n';
    expect(() => jsYaml.load(text)).toThrow();
    expect(() => load(text)).toThrow();
  });
});

describe('stubs for kubeconfig features a Lambda cannot use', () => {
  it('refuse proxies and CLI-based auth providers with a clear error', () => {
    expect(() => new unsupported.HttpsProxyAgent()).toThrow(/HTTP proxy/);
    expect(() => new unsupported.HttpProxyAgent()).toThrow(unsupported.UnsupportedKubeconfigError);
    expect(() => new unsupported.SocksProxyAgent()).toThrow(/SOCKS/);
    expect(() => unsupported.SocksClient.createConnection()).toThrow(/SOCKS/);
    expect(() => unsupported.JSONPath()).toThrow(/auth-provider/);
    expect(() => unsupported.discovery()).toThrow(/oidc auth-provider/);
    expect(() => unsupported.refreshTokenGrant()).toThrow(unsupported.UnsupportedKubeconfigError);
  });

  it('jira-client’s default HTTP stack is never reached: the stub fails loudly', async () => {
    const { createRequire } = await import('node:module');
    const stub = createRequire(import.meta.url)('../../lib/bundle/no-postman-request.cjs') as () => void;
    expect(() => stub()).toThrow(/postman-request is not bundled/);
  });
});

describe('error names', () => {
  it('are spelled out on every error class, so the minified bundles log the same names', () => {
    const classes = Object.entries(errors).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error);
    expect(classes.length).toBeGreaterThan(8);
    for (const [exported, cls] of classes) {
      const instance = Reflect.construct(cls as new (...args: unknown[]) => Error, ['x', 400, {}]) as Error;
      expect(instance.name).toBe(exported);
    }
  });
});
