import { KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { ClusterConfig } from '../../catalog.js';
import { ConfigError } from '../../errors.js';
import type { RbacApiProvider } from './kubernetes-cluster.js';

/**
 * Builds one RBAC client per catalog cluster on first use and keeps it for the life of the
 * process. A cluster's kubeconfig comes from its catalog reference (file:, ssm:, secretsmanager:)
 * or, when it has none, from the `KUBECONFIG` file of the configuration (local mode).
 */
export function makeRbacApiProvider(
  clusters: Readonly<Record<string, ClusterConfig>>,
  defaultKubeconfigPath: string | undefined,
  readKubeconfig: (reference: string, cluster: string) => Promise<string>,
): RbacApiProvider {
  const cache = new Map<string, Promise<RbacAuthorizationV1Api>>();
  return (name) => {
    let api = cache.get(name);
    if (api === undefined) {
      api = build(name);
      cache.set(name, api);
      // A failed build is not cached: the next call tries again.
      api.catch(() => cache.delete(name));
    }
    return api;
  };

  async function build(name: string): Promise<RbacAuthorizationV1Api> {
    const cluster = clusters[name];
    if (cluster === undefined) throw new ConfigError(`cluster "${name}" is not in the access catalog`);
    const reference = cluster.kubeconfig ?? (defaultKubeconfigPath === undefined ? undefined : `file:${defaultKubeconfigPath}`);
    if (reference === undefined) {
      throw new ConfigError(`cluster "${name}" names no kubeconfig in the catalog and KUBECONFIG is not set`);
    }
    const kc = new KubeConfig();
    kc.loadFromString(await readKubeconfig(reference, name));
    if (cluster.context !== undefined) {
      if (!kc.getContexts().some((c) => c.name === cluster.context)) {
        throw new ConfigError(`kubeconfig of cluster "${name}" has no context "${cluster.context}"`);
      }
      kc.setCurrentContext(cluster.context);
    }
    if (kc.getCurrentCluster() === null) throw new ConfigError(`kubeconfig of cluster "${name}" names no current cluster`);
    return kc.makeApiClient(RbacAuthorizationV1Api);
  }
}
