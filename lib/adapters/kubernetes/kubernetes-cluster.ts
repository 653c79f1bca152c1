import type { AuthorizationV1Api, RbacAuthorizationV1Api, V1RoleBinding } from '@kubernetes/client-node';
import type { AccessCheck } from '../../domain/catalog.js';
import type { BindingRef, RoleBindingManifest, Subject } from '../../domain/lease.js';
import { ANNOTATION_EXPIRES_AT, kyvernoTtl, LABEL_DEPLOYMENT, LABEL_KYVERNO_TTL, LABEL_LEASE_ID, LABEL_MANAGED_BY, MANAGED_BY } from '../../domain/names.js';
import { BindingConflictError } from '../../errors.js';
import type { BindingOwner, Cluster, EvictionResult, ManagedBinding, PodInfo } from '../../ports/cluster.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../retry.js';
import { clusterError, makeApiCall, statusOf, type ApiCall } from './kubernetes-api-call.js';
import { KubernetesPods, type PodsApi } from './kubernetes-pods.js';

/** The group every authenticated request carries; access reviews include it. */
const AUTHENTICATED = 'system:authenticated';

/** The API clients of one cluster: RBAC for bindings, authorization for access reviews, the object API for pods. */
export interface ClusterApis {
  readonly rbac: RbacAuthorizationV1Api;
  readonly authorization: AuthorizationV1Api;
  readonly objects: PodsApi;
}

/** Returns the API clients for a catalog cluster (built once per cold start by the container). */
export type RbacApiProvider = (cluster: string) => Promise<ClusterApis>;

/** `apiGroup` defaults to the RBAC group when absent, as the API server fills it in. */
function sameRef(a: { apiGroup?: string; kind: string; name: string } | undefined, b: { apiGroup?: string; kind: string; name: string }): boolean {
  return a !== undefined && (a.apiGroup ?? 'rbac.authorization.k8s.io') === (b.apiGroup ?? 'rbac.authorization.k8s.io') && a.kind === b.kind && a.name === b.name;
}

/** Whether every entry of `ours` is in `theirs` with the same value. */
function carries(theirs: Readonly<Record<string, string>> | undefined, ours: Readonly<Record<string, string>>): boolean {
  return Object.entries(ours).every(([key, value]) => theirs?.[key] === value);
}

/** Whether an existing binding is exactly the one the manifest describes: roleRef, the one subject, our labels and annotations. */
function isExactly(existing: V1RoleBinding, wanted: V1RoleBinding): boolean {
  const subjects = existing.subjects ?? [];
  const [subject] = wanted.subjects ?? [];
  return (
    sameRef(existing.roleRef, wanted.roleRef) &&
    subject !== undefined &&
    subjects.length === 1 &&
    sameRef(subjects[0], subject) &&
    carries(existing.metadata?.labels, wanted.metadata?.labels ?? {}) &&
    carries(existing.metadata?.annotations, wanted.metadata?.annotations ?? {})
  );
}

/** RoleBindings through `@kubernetes/client-node`'s RBAC API, each labelled with the deployment it belongs to; pods (read, evict) through its object API. */
export class KubernetesCluster implements Cluster {
  private readonly api: RbacApiProvider;
  /** Every API call goes through here: 429, 5xx, network failures and timeouts are retried with back-off. */
  private readonly call: ApiCall;
  private readonly pods: KubernetesPods;

  constructor(
    api: RbacApiProvider,
    /** This deployment's id (`DEPLOYMENT_ID`): bindings labelled otherwise are never touched. */
    private readonly deployment: string,
    retry: RetryPolicy = DEFAULT_RETRY,
    /** An API server that does not answer within this counts as failed (and retryable). */
    timeoutMs = 10_000,
  ) {
    this.api = api;
    this.call = makeApiCall(retry, timeoutMs);
    this.pods = new KubernetesPods(async (cluster) => (await api(cluster)).objects, this.call);
  }

  /**
   * Whether a binding read from the cluster belongs to `owner` of this deployment. Bindings created
   * before bindings carried the deployment label count when the lease record vouches for them
   * exactly (its lease id, roleRef and subject), so an upgrade still revokes them.
   */
  private owns(existing: V1RoleBinding, owner: BindingOwner): boolean {
    const labels = existing.metadata?.labels;
    const deployment = labels?.[LABEL_DEPLOYMENT];
    const legacy = deployment === undefined && owner.roleRef !== undefined && owner.subject !== undefined;
    if (labels?.[LABEL_MANAGED_BY] !== MANAGED_BY || (deployment !== this.deployment && !legacy) || labels[LABEL_LEASE_ID] !== owner.leaseId) return false;
    if (owner.roleRef !== undefined && !sameRef(existing.roleRef, owner.roleRef)) return false;
    const subjects = existing.subjects ?? [];
    return owner.subject === undefined || (subjects.length === 1 && sameRef(subjects[0], owner.subject));
  }

  async applyBinding(cluster: string, manifest: RoleBindingManifest, options: { readonly dryRun?: boolean } = {}): Promise<'created' | 'exists'> {
    const api = (await this.api(cluster)).rbac;
    const { namespace, name } = manifest.metadata;
    const body: V1RoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { ...manifest.metadata, labels: { ...manifest.metadata.labels, [LABEL_DEPLOYMENT]: this.deployment }, annotations: { ...manifest.metadata.annotations } },
      roleRef: { ...manifest.roleRef },
      subjects: manifest.subjects.map((s) => ({ ...s })),
    };
    const created = await this.call(async () => {
      try {
        await api.createNamespacedRoleBinding({ namespace, body, ...(options.dryRun ? { dryRun: 'All' } : {}) });
        return true;
      } catch (error) {
        if (statusOf(error) === 409) return false;
        throw clusterError(`creating RoleBinding ${namespace}/${name}`, cluster, error);
      }
    });
    if (created) return 'created';
    // Adopt only our own binding, exactly (a retried create that had landed): a look-alike with our
    // name and lease id but another role, subject or deployment is a conflict, and stays untouched.
    const existing = await this.read(api, cluster, { namespace, name });
    if (existing !== undefined && isExactly(existing, body)) return 'exists';
    throw new BindingConflictError(namespace, name, existing?.metadata?.labels?.[LABEL_LEASE_ID]);
  }

  async deleteBinding(cluster: string, binding: BindingRef, owner: BindingOwner): Promise<'deleted' | 'absent' | 'not-ours'> {
    const api = (await this.api(cluster)).rbac;
    const existing = await this.read(api, cluster, binding);
    if (existing === undefined) return 'absent';
    if (!this.owns(existing, owner)) return 'not-ours';
    return this.call(async () => {
      try {
        // The uid precondition makes sure we delete the object we just checked, not a newer namesake.
        await api.deleteNamespacedRoleBinding({
          namespace: binding.namespace,
          name: binding.name,
          body: { preconditions: { uid: existing.metadata?.uid } },
        });
        return 'deleted' as const;
      } catch (error) {
        if (statusOf(error) === 404) return 'absent' as const;
        throw clusterError(`deleting RoleBinding ${binding.namespace}/${binding.name}`, cluster, error);
      }
    });
  }

  async listManaged(cluster: string, namespace: string): Promise<ManagedBinding[]> {
    const api = (await this.api(cluster)).rbac;
    try {
      const list = await api.listNamespacedRoleBinding({ namespace, labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_DEPLOYMENT}=${this.deployment}`, limit: 500 });
      return list.items
        .map((b): ManagedBinding => {
          const first = b.subjects?.[0];
          const kind = first?.kind;
          const subject: Subject | undefined = first !== undefined && (kind === 'User' || kind === 'Group') ? { kind, name: first.name } : undefined;
          return { namespace, name: b.metadata?.name ?? '', leaseId: b.metadata?.labels?.[LABEL_LEASE_ID], subject };
        })
        .filter((b) => b.name !== '');
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw clusterError(`listing RoleBindings in ${namespace}`, cluster, error);
    }
  }

  async setExpiry(cluster: string, binding: BindingRef, owner: BindingOwner, expiresAt: string): Promise<'updated' | 'absent' | 'not-ours'> {
    const api = (await this.api(cluster)).rbac;
    const existing = await this.read(api, cluster, binding);
    if (existing === undefined) return 'absent';
    if (!this.owns(existing, owner)) return 'not-ours';
    const body: V1RoleBinding = {
      ...existing,
      metadata: {
        ...existing.metadata,
        labels: { ...existing.metadata?.labels, [LABEL_KYVERNO_TTL]: kyvernoTtl(expiresAt) },
        annotations: { ...existing.metadata?.annotations, [ANNOTATION_EXPIRES_AT]: expiresAt },
      },
    };
    try {
      // resourceVersion in the body makes this a compare-and-swap: a concurrent change yields 409.
      await api.replaceNamespacedRoleBinding({ namespace: binding.namespace, name: binding.name, body });
      return 'updated';
    } catch (error) {
      if (statusOf(error) === 404) return 'absent';
      throw clusterError(`updating RoleBinding ${binding.namespace}/${binding.name}`, cluster, error);
    }
  }

  async reviewAccess(cluster: string, subject: Subject, namespace: string, check: AccessCheck): Promise<{ readonly allowed: boolean; readonly reason?: string | undefined }> {
    const api = (await this.api(cluster)).authorization;
    const body = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        // A user's groups come from the identity provider, which kube-lease cannot see; every
        // authenticated user has system:authenticated, so bindings to it count.
        ...(subject.kind === 'User' ? { user: subject.name, groups: [AUTHENTICATED] } : { groups: [subject.name, AUTHENTICATED] }),
        resourceAttributes: { namespace, verb: check.verb, group: check.group, resource: check.resource, ...(check.subresource === undefined ? {} : { subresource: check.subresource }) },
      },
    };
    const review = await this.call(async () => {
      try {
        return await api.createSubjectAccessReview({ body });
      } catch (error) {
        throw clusterError(`reviewing access of ${subject.kind} ${subject.name} in ${namespace}`, cluster, error);
      }
    });
    return { allowed: review.status?.allowed === true, reason: review.status?.reason };
  }

  getPod(cluster: string, namespace: string, name: string): Promise<PodInfo | undefined> {
    return this.pods.getPod(cluster, namespace, name);
  }

  evictPod(cluster: string, namespace: string, name: string, uid: string): Promise<EvictionResult> {
    return this.pods.evictPod(cluster, namespace, name, uid);
  }

  private async read(api: RbacAuthorizationV1Api, cluster: string, binding: BindingRef): Promise<V1RoleBinding | undefined> {
    return this.call(async () => {
      try {
        return await api.readNamespacedRoleBinding({ namespace: binding.namespace, name: binding.name });
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw clusterError(`reading RoleBinding ${binding.namespace}/${binding.name}`, cluster, error);
      }
    });
  }
}
