import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { ObjectAuthorizationV1Api as AuthorizationV1Api } from '@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js';
import type { AccessCheck } from '../../domain/catalog.js';
import { ClusterError, ConfigError, scrubSecrets } from '../../errors.js';

/** The requester's own kubeconfig context: where `--wait` asks, and what `kubectl` should use. */
export interface RequesterCluster {
  readonly context: string;
  readonly namespaceDefault: string | undefined;
  /** Whether the requester's own identity may do `check` in `namespace` now (SelfSubjectAccessReview). */
  canI(namespace: string, check: AccessCheck): Promise<{ readonly allowed: boolean; readonly reason?: string | undefined }>;
}

/**
 * Opens the requester's kubeconfig (the `KUBECONFIG` list given, else ~/.kube/config, as kubectl does) at `context`
 * (default: its current context). Credentials stay the requester's: exec plugins such as
 * `aws eks get-token` run as they would for kubectl.
 *
 * @throws ConfigError when there is no kubeconfig or no such context
 */
export function requesterCluster(options: { readonly kubeconfig?: string | undefined; readonly context?: string | undefined }): RequesterCluster {
  const kc = new KubeConfig();
  try {
    // KUBECONFIG as kubectl reads it: a list of files, merged, the first one's current context winning.
    const files = (options.kubeconfig ?? '').split(delimiter).filter((f) => f !== '');
    if (files.length === 0) kc.loadFromDefault();
    for (const [i, file] of files.entries()) {
      if (i === 0) kc.loadFromFile(file);
      else {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, Boolean(kc.getCurrentContext()));
      }
    }
  } catch (error) {
    throw new ConfigError(`cannot read your kubeconfig${options.kubeconfig === undefined ? '' : ` ${options.kubeconfig}`}: ${scrubSecrets(error instanceof Error ? error.message : String(error))}`, { cause: error });
  }
  if (options.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new ConfigError(`your kubeconfig has no context "${options.context}" (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(options.context);
  }
  const context = kc.getCurrentContext();
  if (context === '' || kc.getCurrentCluster() === null) throw new ConfigError('your kubeconfig has no current context: pass --context <name>');
  const api = kc.makeApiClient(AuthorizationV1Api);
  return {
    context,
    namespaceDefault: kc.getContextObject(context)?.namespace,
    async canI(namespace, check) {
      const body = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace, verb: check.verb, group: check.group, resource: check.resource, ...(check.subresource === undefined ? {} : { subresource: check.subresource }) } },
      };
      try {
        const review = await api.createSelfSubjectAccessReview({ body });
        return { allowed: review.status?.allowed === true, reason: review.status?.reason };
      } catch (error) {
        const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
        const why = code === 401 ? 'the cluster did not accept your kubeconfig credentials (401)' : scrubSecrets(error instanceof Error ? error.message : String(error)).slice(0, 300);
        throw new ClusterError(`asking the cluster (context ${context}) whether you can ${check.verb} ${check.resource} in ${namespace}: ${why}`, code, { cause: error });
      }
    },
  };
}
