import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { KubernetesObject, V1APIResource, V1OwnerReference } from '@kubernetes/client-node';
// The generic object API (the generated core API would add 600 KB to each bundle), without the
// discovery read it makes to find a kind's path: see PodsApi.
import { KubernetesObjectApi } from '@kubernetes/client-node/dist/object.js';
import type { EvictionResult, PodInfo } from '../../ports/cluster.js';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { clusterError, statusOf, type ApiCall } from './kubernetes-api-call.js';

/** A pod as the object API returns it: the metadata kube-lease reads. */
type PodObject = KubernetesObject & {
  metadata?: { ownerReferences?: V1OwnerReference[]; deletionGracePeriodSeconds?: number };
  spec?: { terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
};

/** A whole number of seconds ≥ 0 from the API server, else undefined. */
const wholeSeconds = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined);

/** The core group's `pods` resource, as GET /api/v1 lists it. */
const POD_RESOURCE: V1APIResource = { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'delete'] };

/**
 * The object API for pods and their eviction. Its paths are fixed (`/api/v1/namespaces/<ns>/pods/<name>`
 * and `.../eviction`): the object API would otherwise read `GET /api/v1` first to find the path of
 * `Pod`, and a 404 of that discovery read would look like a 404 of the pod.
 */
export class PodsApi extends KubernetesObjectApi {
  static forConfig(kc: KubeConfig): PodsApi {
    return kc.makeApiClient(PodsApi);
  }

  protected override async resource(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    if (apiVersion === 'v1' && kind === 'Pod') return POD_RESOURCE;
    throw new Error(`PodsApi serves pods only, not ${apiVersion} ${kind}`);
  }

  protected override async specUriPath(spec: KubernetesObject, action: 'create' | 'delete' | 'patch' | 'read' | 'list' | 'replace'): Promise<string> {
    const namespace = encodeURIComponent(spec.metadata?.namespace ?? '');
    const name = encodeURIComponent(spec.metadata?.name ?? '');
    if (spec.apiVersion === 'policy/v1' && spec.kind === 'Eviction' && action === 'create') return `/api/v1/namespaces/${namespace}/pods/${name}/eviction`;
    if (spec.apiVersion === 'v1' && spec.kind === 'Pod' && action === 'read') return `/api/v1/namespaces/${namespace}/pods/${name}`;
    throw new Error(`PodsApi does not ${action} ${spec.apiVersion ?? ''} ${spec.kind ?? ''}`);
  }
}

/** The pods API of a catalog cluster (the same connection as its RBAC API). */
export type PodsApiProvider = (cluster: string) => Promise<PodsApi>;

const pod = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } });

/** client-node turns metadata.creationTimestamp into a Date; the API server sends whole seconds. */
function rfc3339(value: Date | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return value.toISOString().replace(/\.000Z$/, 'Z');
}

/** A resource kind (`ReplicaSet`) and an object name (a DNS subdomain), as an owner reference names them. */
const OWNER_KIND = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const OWNER_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function podInfo(found: PodObject): PodInfo {
  const controller = found.metadata?.ownerReferences?.find((r) => r.controller === true);
  return {
    uid: found.metadata?.uid ?? '',
    createdAt: rfc3339(found.metadata?.creationTimestamp as Date | string | undefined),
    // Whoever may create the pod chooses its owner reference: a kind and a name as Kubernetes writes them, or "(invalid)".
    controller: controller === undefined ? undefined : { kind: OWNER_KIND.test(controller.kind) ? controller.kind : '(invalid)', name: OWNER_NAME.test(controller.name) ? controller.name : '(invalid)' },
    phase: found.status?.phase,
    gracePeriodSeconds: wholeSeconds(found.spec?.terminationGracePeriodSeconds),
    ...(found.metadata?.deletionTimestamp === undefined || found.metadata.deletionTimestamp === null
      ? {}
      : { deletingAt: rfc3339(found.metadata.deletionTimestamp as Date | string), deletionGracePeriodSeconds: wholeSeconds(found.metadata.deletionGracePeriodSeconds) }),
  };
}

/** The `Status` body of a failed call, when it is one. */
interface StatusBody {
  readonly reason?: string;
  readonly message?: string;
  readonly details?: { readonly name?: string; readonly kind?: string; readonly causes?: readonly { readonly reason?: string; readonly message?: string }[] };
}

function statusBody(error: unknown): StatusBody | undefined {
  if (!(error instanceof ApiException)) return undefined;
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status' ? (body as StatusBody) : undefined;
}

/** Whether a 404 is the API server's NotFound of exactly this pod (not of a path, a proxy or another object). */
function podNotFound(error: unknown, name: string): boolean {
  const body = statusBody(error);
  return statusOf(error) === 404 && body?.reason === 'NotFound' && body.details?.kind === 'pods' && body.details.name === name;
}

/** One line of the API server's words, bounded (it goes on a ticket). */
function clip(text: string | undefined): string {
  const line = (text ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim();
  return line.length <= 200 ? line : `${line.slice(0, 199)}…`;
}

/** Pods, for ending the streams a subject opened in them: read one, evict one by uid. */
export class KubernetesPods {
  constructor(
    private readonly api: PodsApiProvider,
    private readonly call: ApiCall,
  ) {}

  async getPod(cluster: string, namespace: string, name: string): Promise<PodInfo | undefined> {
    const api = await this.api(cluster);
    return this.call(async () => {
      try {
        return podInfo(await api.read<PodObject>(pod(namespace, name)));
      } catch (error) {
        if (podNotFound(error, name)) return undefined;
        throw clusterError(`reading pod ${namespace}/${name}`, cluster, error);
      }
    });
  }

  /**
   * POST .../pods/<name>/eviction (policy/v1 Eviction, the uid as a delete precondition): the API
   * server deletes the pod only if no PodDisruptionBudget forbids it now. Never forced.
   */
  async evictPod(cluster: string, namespace: string, name: string, uid: string): Promise<EvictionResult> {
    const api = await this.api(cluster);
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { namespace, name }, deleteOptions: { preconditions: { uid } } };
    return this.call(async (): Promise<EvictionResult> => {
      try {
        await api.create(eviction);
        return { outcome: 'evicted' };
      } catch (error) {
        const status = statusOf(error);
        const body = statusBody(error);
        // 404 of this pod: gone. 409: the uid precondition failed, so the pod of that uid is gone (replaced by a namesake).
        if (podNotFound(error, name) || (status === 409 && body?.reason === 'Conflict')) return { outcome: 'absent' };
        // 429 with the DisruptionBudget cause: a PodDisruptionBudget forbids it now (not throttling, which is retried).
        const budget = body?.details?.causes?.find((c) => c.reason === 'DisruptionBudget');
        if (status === 429 && (budget !== undefined || /disruption budget/i.test(body?.message ?? ''))) {
          return { outcome: 'refused', why: `a PodDisruptionBudget forbids evicting it now (${clip(budget?.message ?? body?.message)})` };
        }
        // 500 when more than one PodDisruptionBudget selects the pod: the eviction API refuses it until that is fixed.
        if (status === 500 && /more than one PodDisruptionBudget/.test(body?.message ?? '')) {
          return { outcome: 'refused', why: 'more than one PodDisruptionBudget selects it, and the Eviction API refuses such a pod' };
        }
        throw clusterError(`evicting pod ${namespace}/${name}`, cluster, error);
      }
    });
  }
}
