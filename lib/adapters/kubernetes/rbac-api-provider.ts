// Deep imports of just what is used: the package index also loads watch, exec, cp, port-forward and
// metrics (ws, tar, …), a tenth of a Lambda bundle. The paths are those of the locked 2.0.x layout;
// a type check fails if an upgrade moves them.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import {
  ObjectAuthorizationV1Api as AuthorizationV1Api,
  ObjectRbacAuthorizationV1Api as RbacAuthorizationV1Api,
} from '@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js';
// Pods through the generic object API: the generated core API would add 600 KB to each bundle.
import { PodsApi } from './kubernetes-pods.js';
import type { ClusterConfig } from '../../domain/catalog.js';
import { ConfigError, scrubSecrets } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';
import { EKS_TOKEN_REUSE_MS } from './eks-token.js';
import type { ClusterApis, RbacApiProvider } from './kubernetes-cluster.js';

/** What an EKS cluster needs from AWS: its endpoint and CA (DescribeCluster) and a fresh token. */
export interface EksAccess {
  describe(name: string, region: string): Promise<{ endpoint: string; caData: string }>;
  token(name: string, region: string): Promise<string>;
}

interface Cached {
  readonly api: Promise<ClusterApis>;
  /** When the client must be rebuilt (its EKS token runs out); never for kubeconfig clusters. */
  readonly renewAt: number;
}

/**
 * Builds the API clients of a catalog cluster (RBAC, authorization, objects) on first use. A kubeconfig cluster reads its
 * kubeconfig from its catalog reference (file:, ssm:, secretsmanager:) or the configured
 * `KUBECONFIG` file; an EKS cluster gets endpoint and CA from the catalog or DescribeCluster (once
 * per cold start) and a token minted by the function itself, reused until shortly before it expires.
 * TLS verification is always on for EKS.
 */
export function makeRbacApiProvider(
  clusters: Readonly<Record<string, ClusterConfig>>,
  defaultKubeconfigPath: string | undefined,
  readKubeconfig: (reference: string, cluster: string) => Promise<string>,
  eks?: EksAccess,
  clock: Clock = { now: () => new Date() },
): RbacApiProvider {
  const cache = new Map<string, Cached>();
  const endpoints = new Map<string, Promise<{ endpoint: string; caData: string }>>();

  return (name) => {
    const now = clock.now().getTime();
    const cached = cache.get(name);
    if (cached !== undefined && now < cached.renewAt) return cached.api;
    const cluster = clusters[name];
    const isEks = cluster !== undefined && cluster.type === 'eks';
    const api = build(name);
    cache.set(name, { api, renewAt: isEks ? now + EKS_TOKEN_REUSE_MS : Number.POSITIVE_INFINITY });
    // A failed build is not cached: the next call tries again.
    api.catch(() => cache.delete(name));
    return api;
  };

  async function build(name: string): Promise<ClusterApis> {
    const cluster = clusters[name];
    if (cluster === undefined) throw new ConfigError(`cluster "${name}" is not in the access catalog`);
    if (cluster.type === 'eks') {
      if (eks === undefined) throw new ConfigError(`cluster "${name}" is an EKS cluster but no EKS access is configured`);
      const key = `${cluster.region}/${cluster.name}`;
      let location = endpoints.get(key);
      if (location === undefined) {
        location =
          cluster.endpoint !== undefined && cluster.caData !== undefined
            ? Promise.resolve({ endpoint: cluster.endpoint, caData: cluster.caData })
            : eks.describe(cluster.name, cluster.region);
        endpoints.set(key, location);
        location.catch(() => endpoints.delete(key));
      }
      const [{ endpoint, caData }, token] = await Promise.all([location, eks.token(cluster.name, cluster.region)]);
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name, server: endpoint, caData, skipTLSVerify: false }],
        users: [{ name: 'kube-lease', token }],
        contexts: [{ name, cluster: name, user: 'kube-lease' }],
        currentContext: name,
      });
      return apisOf(reuseConnections(kc));
    }
    const reference = cluster.kubeconfig ?? (defaultKubeconfigPath === undefined ? undefined : `file:${defaultKubeconfigPath}`);
    if (reference === undefined) {
      throw new ConfigError(`cluster "${name}" names no kubeconfig in the catalog and KUBECONFIG is not set`);
    }
    const kc = new KubeConfig();
    const text = await readKubeconfig(reference, name);
    try {
      kc.loadFromString(text);
    } catch (error) {
      // The parser's message quotes the lines around the fault, which may hold a token or a key.
      throw new ConfigError(`kubeconfig of cluster "${name}" (${reference}) is not a valid kubeconfig: ${scrubSecrets(error instanceof Error ? error.message : String(error))}`, { cause: error });
    }
    if (cluster.context !== undefined) {
      if (!kc.getContexts().some((c) => c.name === cluster.context)) {
        throw new ConfigError(`kubeconfig of cluster "${name}" has no context "${cluster.context}"`);
      }
      kc.setCurrentContext(cluster.context);
    }
    if (kc.getCurrentCluster() === null) throw new ConfigError(`kubeconfig of cluster "${name}" names no current cluster`);
    return apisOf(reuseConnections(kc));
  }
}

/** The RBAC API (bindings), the authorization API (access reviews) and the pods API (pods and their eviction) of one cluster, over one connection pool. */
function apisOf(kc: KubeConfig): ClusterApis {
  return { rbac: kc.makeApiClient(RbacAuthorizationV1Api), authorization: kc.makeApiClient(AuthorizationV1Api), objects: PodsApi.forConfig(kc) };
}

/**
 * client-node builds a new undici dispatcher (a connection pool) for every request from the
 * kubeconfig's TLS options, so every call to the API server paid a TCP and TLS handshake. One
 * KubeConfig here serves one cluster and credential, so its dispatcher is built once and reused:
 * connections stay alive across requests and warm invocations. (`createDispatcher` is private in
 * client-node's types; a test counts connections, so a change upstream cannot go unnoticed.)
 */
function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createDispatcher?: (cluster: unknown, options: unknown) => unknown };
  const build = target.createDispatcher;
  if (typeof build !== 'function') return kc;
  let dispatcher: { value: unknown } | undefined;
  target.createDispatcher = (cluster, options) => {
    dispatcher ??= { value: build.call(kc, cluster, options) };
    return dispatcher.value;
  };
  return kc;
}
