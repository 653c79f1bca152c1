import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import { createHash } from 'node:crypto';

/**
 * Stands in for the `undici` package in the Lambda bundles (esbuild alias in serverless.yml):
 * `@kubernetes/client-node` imports undici only for `fetch` and for `Agent`/`ProxyAgent`
 * dispatchers carrying the kubeconfig's TLS options, and the 700 KB library is most of a bundle.
 * This does exactly that over node:https: TLS verification stays on unless the kubeconfig turns
 * it off, client certificates and the CA are honoured, keep-alive as undici would. Proxies and
 * SOCKS are refused with a clear error rather than silently bypassed. Tests and local mode use the
 * real undici; the packaging test runs the bundle against a fake API server over HTTPS.
 */

type TlsConnect = Pick<AgentOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'> & {
  readonly keepAlive?: boolean;
  readonly keepAliveInitialDelay?: number;
};

import { UnsupportedDispatcherError } from '../errors.js';

export { UnsupportedDispatcherError };

/**
 * Agents by TLS options. client-node builds a new dispatcher for every request; one node:https
 * agent per distinct set of options (one cluster and credential) keeps its connections alive and
 * reuses them across requests and warm invocations, instead of a TCP and TLS handshake each time.
 */
const pooled = new Map<string, HttpsAgent>();

function poolKey(tls: object): string {
  const text = JSON.stringify(tls, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('base64') : value));
  return createHash('sha256').update(text).digest('hex');
}

/** A dispatcher: the TLS options client-node derived from the kubeconfig, as a pooled node:https agent. */
export class Agent {
  readonly https: HttpsAgent;

  constructor(options: { readonly connect?: TlsConnect | ((...args: never[]) => unknown) } = {}) {
    if (typeof options.connect === 'function') {
      throw new UnsupportedDispatcherError('a SOCKS proxy (proxy-url: socks…) is not supported in the Lambda bundle');
    }
    const { keepAlive: _keepAlive, keepAliveInitialDelay, ...tls } = options.connect ?? {};
    const key = poolKey(tls);
    let agent = pooled.get(key);
    if (agent === undefined) {
      agent = new HttpsAgent({ ...tls, keepAlive: true, keepAliveMsecs: keepAliveInitialDelay ?? 30_000 });
      pooled.set(key, agent);
    }
    this.https = agent;
  }
}

export class ProxyAgent {
  constructor() {
    throw new UnsupportedDispatcherError('an HTTP proxy (proxy-url in the kubeconfig) is not supported in the Lambda bundle');
  }
}

const defaultHttps = new HttpsAgent({ keepAlive: true });
const defaultHttp = new HttpAgent({ keepAlive: true });

export interface LiteRequestInit {
  readonly method?: string;
  readonly body?: string | Uint8Array | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | null;
  readonly dispatcher?: unknown;
}

/** The fetch client-node's generated API calls: one request, the whole body read, a standard Response. */
export async function fetch(input: string | URL, init: LiteRequestInit = {}): Promise<Response> {
  const url = new URL(String(input));
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  if (init.dispatcher !== undefined && !(init.dispatcher instanceof Agent)) {
    throw new UnsupportedDispatcherError('unknown dispatcher: only kubeconfig TLS options are supported in the Lambda bundle');
  }
  const body = init.body ?? undefined;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('only string and byte bodies are supported');
  }
  const agent = secure ? (init.dispatcher instanceof Agent ? init.dispatcher.https : defaultHttps) : defaultHttp;
  const send = secure ? httpsRequest : httpRequest;
  // Frame the body ourselves: node:http sends a DELETE body (client-node's preconditions) unframed,
  // which the server then reads as the start of the next request.
  const headers: Record<string, string> = { ...init.headers };
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
    headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  }
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) }, resolve);
    req.once('error', reject);
    req.end(body);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const answered = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) answered.append(name, one);
  }
  const status = response.statusCode ?? 0;
  const payload = status === 204 || status === 304 || init.method === 'HEAD' ? null : Buffer.concat(chunks);
  return new Response(payload, { status, statusText: response.statusMessage ?? '', headers: answered });
}
