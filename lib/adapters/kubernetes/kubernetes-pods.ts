import type { KubernetesObject, KubernetesObjectApi, V1OwnerReference } from '@kubernetes/client-node';
import type { PodInfo } from '../../ports/cluster.js';
import { clusterError, statusOf, type ApiCall } from './kubernetes-api-call.js';

/** The object API of a catalog cluster (the same connection as its RBAC API). */
export type ObjectApiProvider = (cluster: string) => Promise<KubernetesObjectApi>;

/** A pod as the object API returns it: the metadata kube-lease reads. */
type PodObject = KubernetesObject & { metadata?: { ownerReferences?: V1OwnerReference[] }; status?: { phase?: string } };

const pod = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } });

/** client-node turns metadata.creationTimestamp into a Date; the API server sends whole seconds. */
function rfc3339(value: Date | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return value.toISOString().replace(/\.000Z$/, 'Z');
}

function podInfo(found: PodObject): PodInfo {
  const controller = found.metadata?.ownerReferences?.find((r) => r.controller === true);
  return {
    uid: found.metadata?.uid ?? '',
    createdAt: rfc3339(found.metadata?.creationTimestamp as Date | string | undefined),
    controller: controller === undefined ? undefined : { kind: controller.kind, name: controller.name },
    phase: found.status?.phase,
  };
}

/** Pods, for ending the streams a subject opened in them: read one, delete one by uid. */
export class KubernetesPods {
  constructor(
    private readonly api: ObjectApiProvider,
    private readonly call: ApiCall,
  ) {}

  async getPod(cluster: string, namespace: string, name: string): Promise<PodInfo | undefined> {
    const api = await this.api(cluster);
    return this.call(async () => {
      try {
        return podInfo(await api.read<PodObject>(pod(namespace, name)));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw clusterError(`reading pod ${namespace}/${name}`, cluster, error);
      }
    });
  }

  async deletePod(cluster: string, namespace: string, name: string, uid: string): Promise<'deleted' | 'absent'> {
    const api = await this.api(cluster);
    return this.call(async () => {
      try {
        // The uid precondition: a pod its controller recreated under the same name is another pod.
        await api.delete(pod(namespace, name), undefined, undefined, undefined, undefined, undefined, { preconditions: { uid } });
        return 'deleted' as const;
      } catch (error) {
        // 409: the precondition failed, so the pod of that uid is gone (replaced by a namesake).
        const status = statusOf(error);
        if (status === 404 || status === 409) return 'absent' as const;
        throw clusterError(`deleting pod ${namespace}/${name}`, cluster, error);
      }
    });
  }
}
