import { randomBytes, randomUUID } from 'node:crypto';
import type { FakeRequest, FakeResponse, ResponseStream } from './fake-http-server.js';
import { status, STREAM_SUBRESOURCES, type RequestInfo } from './fake-kubernetes-api.js';

/** The kinds whose controller recreates a deleted pod (a StatefulSet under the same name). */
export type PodOwnerKind = 'ReplicaSet' | 'DaemonSet' | 'StatefulSet' | 'Job';

/** A pod as the core API returns it (the fields a real V1Pod has that matter here, and a few for realism). */
export interface StoredPod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    generateName?: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller: true; blockOwnerDeletion: true }[];
  };
  spec: { containers: { name: string; image: string; imagePullPolicy: string }[]; restartPolicy: string; serviceAccountName: string; nodeName: string; terminationGracePeriodSeconds: number };
  status: { phase: 'Running'; podIP: string; hostIP: string; startTime: string; containerStatuses: { name: string; ready: boolean; restartCount: number; started: boolean; image: string; containerID: string; state: { running: { startedAt: string } } }[] };
}

interface StoredObject {
  apiVersion: 'v1';
  kind: 'Secret' | 'ConfigMap';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string };
  type?: string;
  data: Record<string, string>;
}

/**
 * A policy/v1 PodDisruptionBudget as the eviction subresource reads it: its selector (matchLabels)
 * and the status the disruption controller keeps. Each eviction it allows takes one of
 * `disruptionsAllowed` (as the API server's checkAndDecrement does); the controller would recompute
 * it later, here a test sets it.
 */
export interface StoredBudget {
  readonly namespace: string;
  readonly name: string;
  readonly matchLabels: Readonly<Record<string, string>>;
  status: { disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number; expectedPods: number };
}

/** The alphabet of Kubernetes' generated name suffixes (no vowels, no look-alikes). */
const SUFFIX = 'bcdfghjklmnpqrstvwxz2456789';
const suffix = () => [...randomBytes(5)].map((b) => SUFFIX[b % SUFFIX.length]).join('');
const seconds = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * The core API's pods, secrets and configmaps, and the streams opened into pods. A controller-owned
 * pod that is deleted comes back as its controller makes it: new uid, later creationTimestamp, and
 * for a StatefulSet the same name, for the others `<owner>-<5 random characters>`. A bare pod is gone.
 */
export class FakeCoreResources {
  readonly pods = new Map<string, StoredPod>();
  private readonly objects = new Map<string, StoredObject>();
  private readonly ownerUids = new Map<string, string>();
  /** Ends of the streams open into each pod, by pod uid. */
  private readonly streams = new Map<string, Set<() => void>>();
  /** How often an open stream writes a line. */
  streamIntervalMs = 100;
  /** PodDisruptionBudgets (see addBudget). */
  readonly budgets: StoredBudget[] = [];
  /**
   * Pods (by uid) whose containers keep running after SIGTERM (a preStop sleep, a process that
   * traps the signal): deleted, they stay, terminating, until the kubelet kills them when their
   * grace period ends (see kubeletKills). Any other pod stops at once.
   */
  private readonly holdsOn = new Set<string>();

  constructor(
    private readonly namespaces: Set<string>,
    private readonly now: () => Date,
    private readonly nextVersion: () => string,
  ) {}

  addPod(
    namespace: string,
    name: string,
    options: { ownerKind?: PodOwnerKind; ownerName?: string; containers?: string[]; createdAt?: Date; terminationGracePeriodSeconds?: number; runsUntilKilled?: boolean } = {},
  ): StoredPod {
    this.namespaces.add(namespace);
    const created = seconds(options.createdAt ?? this.now());
    const kind = options.ownerKind;
    const ownerName = options.ownerName ?? name.replace(/-[^-]+$/, '');
    const containers = options.containers ?? ['app'];
    const ownerKey = `${namespace}/${kind ?? ''}/${ownerName}`;
    const ownerUid = this.ownerUids.get(ownerKey) ?? randomUUID();
    this.ownerUids.set(ownerKey, ownerUid);
    const pod: StoredPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        ...(kind === undefined || kind === 'StatefulSet' ? {} : { generateName: `${ownerName}-` }),
        namespace,
        uid: randomUUID(),
        resourceVersion: this.nextVersion(),
        creationTimestamp: created,
        labels: kind === undefined ? { run: name } : { app: ownerName },
        ...(kind === undefined
          ? {}
          : { ownerReferences: [{ apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, name: ownerName, uid: ownerUid, controller: true, blockOwnerDeletion: true }] }),
      },
      spec: {
        containers: containers.map((c) => ({ name: c, image: `registry.example.com/${c}:1.4.2`, imagePullPolicy: 'IfNotPresent' })),
        restartPolicy: kind === 'Job' ? 'Never' : 'Always',
        serviceAccountName: 'default',
        nodeName: 'ip-10-0-1-17.eu-west-1.compute.internal',
        terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? 30,
      },
      status: {
        phase: 'Running',
        podIP: `10.0.${randomBytes(1)[0] ?? 0}.${randomBytes(1)[0] ?? 0}`,
        hostIP: '10.0.1.17',
        startTime: created,
        containerStatuses: containers.map((c) => ({ name: c, ready: true, restartCount: 0, started: true, image: `registry.example.com/${c}:1.4.2`, containerID: `containerd://${randomBytes(32).toString('hex')}`, state: { running: { startedAt: created } } })),
      },
    };
    this.pods.set(`${namespace}/${name}`, pod);
    if (options.runsUntilKilled === true) this.holdsOn.add(pod.metadata.uid);
    return pod;
  }

  /** The kubelet kills a terminating pod (its grace period has ended): it leaves, its streams end. */
  kubeletKills(namespace: string, name: string): void {
    const pod = this.pod(namespace, name);
    if (pod?.metadata.deletionTimestamp === undefined) throw new Error(`pod ${namespace}/${name} is not terminating`);
    this.remove(pod);
  }

  pod(namespace: string, name: string): StoredPod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  /**
   * Adds a PodDisruptionBudget over the pods whose labels include `matchLabels` (a controller's pods
   * carry `app: <owner name>`), with `minAvailable`: it allows as many evictions as healthy pods
   * exceed it now.
   */
  addBudget(namespace: string, name: string, matchLabels: Record<string, string>, minAvailable: number): StoredBudget {
    const healthy = [...this.pods.values()].filter((p) => p.metadata.namespace === namespace && Object.entries(matchLabels).every(([k, v]) => p.metadata.labels[k] === v)).length;
    const budget: StoredBudget = { namespace, name, matchLabels, status: { disruptionsAllowed: Math.max(0, healthy - minAvailable), currentHealthy: healthy, desiredHealthy: minAvailable, expectedPods: healthy } };
    this.budgets.push(budget);
    return budget;
  }

  /** Streams open into the pod of this uid now. */
  openStreams(uid: string): number {
    return this.streams.get(uid)?.size ?? 0;
  }

  addSecret(namespace: string, name: string, data: Record<string, string> = {}, type = 'Opaque'): void {
    this.addObject('Secret', namespace, name, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), type);
  }

  addConfigMap(namespace: string, name: string, data: Record<string, string> = {}): void {
    this.addObject('ConfigMap', namespace, name, data);
  }

  private addObject(kind: StoredObject['kind'], namespace: string, name: string, data: Record<string, string>, type?: string): void {
    this.namespaces.add(namespace);
    const metadata = { name, namespace, uid: randomUUID(), resourceVersion: this.nextVersion(), creationTimestamp: seconds(this.now()) };
    this.objects.set(`${kind}/${namespace}/${name}`, { apiVersion: 'v1', kind, metadata, ...(type === undefined ? {} : { type }), data });
  }

  /** Routes of the core group for pods, secrets and configmaps; undefined for anything else. */
  route(request: FakeRequest, info: RequestInfo): FakeResponse | undefined {
    const { namespace, resource, name, subresource } = info;
    if (info.apiGroup !== '' || namespace === undefined || !['pods', 'secrets', 'configmaps'].includes(resource ?? '')) return undefined;
    if (!this.namespaces.has(namespace)) return status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    if (resource !== 'pods') {
      const kind = resource === 'secrets' ? 'Secret' : 'ConfigMap';
      if (info.verb === 'list') {
        const items = [...this.objects.values()].filter((o) => o.kind === kind && o.metadata.namespace === namespace);
        return { status: 200, body: { kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: this.nextVersion() }, items } };
      }
      const found = this.objects.get(`${kind}/${namespace}/${name ?? ''}`);
      if (info.verb !== 'get' || subresource !== undefined) return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      return found === undefined ? status(404, 'NotFound', `${resource} "${name ?? ''}" not found`, { name, kind: resource }) : { status: 200, body: found };
    }
    if (info.verb === 'list') {
      const items = [...this.pods.values()].filter((p) => p.metadata.namespace === namespace);
      return { status: 200, body: { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: this.nextVersion() }, items } };
    }
    // pods/proxy names `[scheme:]name[:port]` (the API server's SplitSchemeNamePort).
    const parts = (name ?? '').split(':');
    const podName = subresource === 'proxy' ? ((parts.length === 3 ? parts[1] : parts[0]) ?? '') : (name ?? '');
    const pod = this.pod(namespace, podName);
    const notFound = status(404, 'NotFound', `pods "${podName}" not found`, { name: podName, kind: 'pods' });
    if (pod === undefined) return notFound;
    if (subresource === 'eviction' && request.method === 'POST') return this.evict(pod, request);
    if (subresource === 'proxy') return proxyUpgrade(request) ? this.stream(pod, 'proxy', request) : { status: 200, body: `proxied to ${podName}: ${request.path}` };
    if (subresource !== undefined) return STREAM_SUBRESOURCES.includes(subresource) && ['GET', 'POST'].includes(request.method) ? this.stream(pod, subresource, request) : notFound;
    if (request.method === 'GET') return { status: 200, body: pod };
    if (request.method === 'DELETE') return this.delete(pod, request);
    return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  /**
   * POST .../pods/<name>/eviction (k8s.io/kubernetes pkg/registry/core/pod/storage/eviction.go): a
   * policy/v1 Eviction naming the pod. A finished pod is deleted whatever the budgets; a pod more
   * than one budget selects is refused (500); one whose budget allows no disruption now is refused
   * (429 TooManyRequests, cause DisruptionBudget); otherwise the budget gives up one disruption and
   * the pod is deleted as a DELETE would (uid precondition included): 201 with a Success Status.
   */
  private evict(pod: StoredPod, request: FakeRequest): FakeResponse {
    const { namespace, name } = pod.metadata;
    const eviction = JSON.parse(request.body || '{}') as { apiVersion?: string; kind?: string; metadata?: { name?: string }; deleteOptions?: { preconditions?: { uid?: string } } };
    if (eviction.kind !== 'Eviction' || !['policy/v1', 'policy/v1beta1'].includes(eviction.apiVersion ?? '')) {
      return status(400, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
    }
    if (eviction.metadata?.name !== name) return status(400, 'BadRequest', 'name in URL does not match name in Eviction object');
    const wanted = eviction.deleteOptions?.preconditions?.uid;
    if (wanted !== undefined && wanted !== pod.metadata.uid) {
      return status(409, 'Conflict', `Operation cannot be fulfilled on pods "${name}": Precondition failed: UID in precondition: ${wanted}, UID in object meta: ${pod.metadata.uid}`, { name, kind: 'pods' });
    }
    const success = { status: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
    const finished = (pod.status.phase as string) === 'Succeeded' || (pod.status.phase as string) === 'Failed';
    // canIgnorePDB: a terminating pod is "deleted" again, which cannot lengthen or (without a shorter grace period) shorten its termination.
    if (pod.metadata.deletionTimestamp !== undefined) return success;
    if (!finished) {
      const budgets = this.budgets.filter((b) => b.namespace === namespace && Object.entries(b.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v));
      if (budgets.length > 1) {
        return { status: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 } };
      }
      const [budget] = budgets;
      if (budget !== undefined) {
        if (budget.status.disruptionsAllowed <= 0) {
          return {
            status: 429,
            headers: { 'retry-after': '10' },
            body: {
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Failure',
              message: "Cannot evict pod as it would violate the pod's disruption budget.",
              reason: 'TooManyRequests',
              details: { causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${budget.name} needs ${budget.status.desiredHealthy} healthy pods and has ${budget.status.currentHealthy} currently` }], retryAfterSeconds: 10 },
              code: 429,
            },
          };
        }
        budget.status.disruptionsAllowed -= 1;
      }
    }
    this.terminate(pod, pod.spec.terminationGracePeriodSeconds);
    return success;
  }

  /**
   * Deletes the pod (at once: no grace period is simulated), ends every stream open into it and, for
   * a controller-owned pod, lets its controller make the replacement.
   */
  private delete(pod: StoredPod, request: FakeRequest): FakeResponse {
    const { name, uid } = pod.metadata;
    const options = request.body === '' ? {} : (JSON.parse(request.body) as { preconditions?: { uid?: string }; gracePeriodSeconds?: number });
    const wanted = options.preconditions?.uid;
    if (wanted !== undefined && wanted !== uid) {
      return status(409, 'Conflict', `Operation cannot be fulfilled on pods "${name}": Precondition failed: UID in precondition: ${wanted}, UID in object meta: ${uid}`, { name, kind: 'pods' });
    }
    if (pod.metadata.deletionTimestamp !== undefined) return { status: 200, body: pod };
    const grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds;
    const deleting = seconds(new Date(this.now().getTime() + grace * 1000));
    this.terminate(pod, grace);
    return { status: 200, body: { ...pod, metadata: { ...pod.metadata, deletionTimestamp: deleting, deletionGracePeriodSeconds: grace, resourceVersion: this.nextVersion() } } };
  }

  /**
   * A graceful delete: the API server sets deletionTimestamp (now + the grace period) and
   * deletionGracePeriodSeconds; a pod that stops on SIGTERM leaves at once, one that holds on stays,
   * terminating, streams open, until kubeletKills.
   */
  private terminate(pod: StoredPod, grace: number): void {
    if (!this.holdsOn.has(pod.metadata.uid) || grace === 0) {
      this.remove(pod);
      return;
    }
    pod.metadata.deletionTimestamp = seconds(new Date(this.now().getTime() + grace * 1000));
    pod.metadata.deletionGracePeriodSeconds = grace;
    pod.metadata.resourceVersion = this.nextVersion();
  }

  /** The pod leaves (its streams end) and its controller, if any, makes the replacement. */
  private remove(pod: StoredPod): void {
    const { namespace, name, uid } = pod.metadata;
    this.pods.delete(`${namespace}/${name}`);
    for (const end of [...(this.streams.get(uid) ?? [])]) end();
    this.streams.delete(uid);
    const owner = pod.metadata.ownerReferences?.[0];
    if (owner !== undefined) {
      const kind = owner.kind as PodOwnerKind;
      const createdAt = new Date(Math.max(this.now().getTime(), Date.parse(pod.metadata.creationTimestamp) + 1000));
      const replacement = kind === 'StatefulSet' ? name : `${owner.name}-${suffix()}`;
      this.addPod(namespace, replacement, { ownerKind: kind, ownerName: owner.name, containers: pod.spec.containers.map((c) => c.name), createdAt });
    }
  }

  /**
   * exec, attach, portforward. A real API server upgrades the connection (101, then SPDY or
   * WebSocket); here the stand-in is a long-lived chunked response that writes a line now and then
   * and ends when the pod is deleted: what a test of ending sessions needs to see.
   */
  private stream(pod: StoredPod, kind: string, request: FakeRequest): FakeResponse {
    const { name } = pod.metadata;
    const container = request.query.get('container') ?? pod.spec.containers[0]?.name ?? '';
    if (kind !== 'portforward' && kind !== 'proxy' && !pod.spec.containers.some((c) => c.name === container)) {
      return status(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
    }
    if (kind === 'exec' && request.query.getAll('command').length === 0) {
      return status(400, 'BadRequest', 'you must specify at least 1 command');
    }
    const what = kind === 'exec' ? request.query.getAll('command').join(' ') : kind === 'proxy' ? request.path : kind === 'portforward' ? `ports ${request.query.getAll('ports').join(',')}` : 'attached';
    return {
      status: 200,
      stream: (out: ResponseStream) => {
        const ends = this.streams.get(pod.metadata.uid) ?? new Set<() => void>();
        this.streams.set(pod.metadata.uid, ends);
        const end = () => out.end();
        ends.add(end);
        let lines = 0;
        out.write(`${kind} ${pod.metadata.namespace}/${name}/${container}: ${what}\n`);
        const timer = setInterval(() => out.write(`line ${(lines += 1)}\n`), this.streamIntervalMs);
        timer.unref();
        out.onClose(() => {
          clearInterval(timer);
          ends.delete(end);
        });
      },
    };
  }
}

/** Whether a pods/proxy request asks for a protocol upgrade (a WebSocket), which the API server passes through to the pod. */
export function proxyUpgrade(request: FakeRequest): boolean {
  return /^websocket$/i.test(String(request.headers.upgrade ?? ''));
}
