import type { AccessCheck } from '../../lib/domain/catalog.js';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';
import { forbidden, requestInfo, status, STREAM_SUBRESOURCES, type RequestInfo } from './fake-kubernetes-api.js';
import { FakeAuditLog, type KubeAuditEvent } from './fake-kubernetes-audit.js';
import { bindingRoute, createBinding, type StoredBinding } from './fake-kubernetes-bindings.js';
import { FakeCoreResources, type StoredBudget, type StoredPod } from './fake-kubernetes-pods.js';
import { authorize, defaultRoles, type BindingGrant } from './rbac-rules.js';

const GROUP = 'rbac.authorization.k8s.io';

export type { StoredBinding };

/** The token kube-lease's kubeconfig carries; its requests are audited as this user. */
const KUBE_LEASE = { username: 'kube-lease', groups: ['kube-lease:function', 'system:authenticated'] };

/**
 * The Kubernetes API server's RoleBinding routes (rbac.authorization.k8s.io/v1): create, read,
 * replace (with resourceVersion), delete (with uid preconditions), list with a label selector; the
 * core API's pods (get, list, delete with uid preconditions, eviction honouring PodDisruptionBudgets,
 * exec/attach/portforward streams),
 * secrets and configmaps (see fake-kubernetes-pods.ts). Errors are `Status` objects as the real API
 * server sends them. kube-lease's bearer token may do anything; a bearer token `user:<name>` is that
 * user (with `userGroups` and system:authenticated), authorized by the RBAC held here. Every
 * authenticated request is audited (see fake-kubernetes-audit.ts).
 */
/** GET /api/v1 (an APIResourceList, abridged to the resources the fake serves). */
const CORE_DISCOVERY = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'] },
    { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
    { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
    { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['cm'] },
  ],
};

export class FakeKubernetes extends FakeHttpServer {
  readonly bindings = new Map<string, StoredBinding>();
  private resourceVersion = 1000;
  /** Creation and audit times come from here. */
  now: () => Date = () => new Date();
  /** Pods, secrets, configmaps and the streams into pods. */
  readonly core: FakeCoreResources;
  private readonly audit: FakeAuditLog;
  /** Groups of subject users besides system:authenticated, by user name. */
  readonly userGroups = new Map<string, readonly string[]>();

  constructor(
    readonly namespaces: Set<string> = new Set(['default', 'payments', 'payments-worker', 'checkout', 'kube-system']),
    private readonly token = 'fake-k8s-token',
  ) {
    super();
    this.core = new FakeCoreResources(namespaces, () => this.now(), () => String((this.resourceVersion += 1)));
    this.audit = new FakeAuditLog(() => this.now());
  }

  /** Adds a running pod; with `ownerKind`, one its controller (`ownerName`, else the name minus its last `-` part) recreates when deleted. */
  addPod(namespace: string, name: string, options: Parameters<FakeCoreResources['addPod']>[2] = {}): StoredPod {
    return this.core.addPod(namespace, name, options);
  }

  pod(namespace: string, name: string): StoredPod | undefined {
    return this.core.pod(namespace, name);
  }

  /** Adds a PodDisruptionBudget (policy/v1) the eviction subresource honours: see FakeCoreResources.addBudget. */
  addBudget(namespace: string, name: string, matchLabels: Record<string, string>, minAvailable: number): StoredBudget {
    return this.core.addBudget(namespace, name, matchLabels, minAvailable);
  }

  /** Adds an Opaque secret; `data` in clear text (stored base64 as the API does). */
  addSecret(namespace: string, name: string, data: Record<string, string> = {}): void {
    this.core.addSecret(namespace, name, data);
  }

  addConfigMap(namespace: string, name: string, data: Record<string, string> = {}): void {
    this.core.addConfigMap(namespace, name, data);
  }

  /** Audit events of every authenticated request so far, kube-lease's own (user `kube-lease`) included. */
  auditEvents(): readonly KubeAuditEvent[] {
    return this.audit.events;
  }

  /** When set, each audit event is also appended to this file as one JSON line (like `--audit-log-path`). */
  get auditLogPath(): string | undefined {
    return this.audit.path;
  }

  set auditLogPath(path: string | undefined) {
    this.audit.path = path;
  }

  /** Calls `listener` with every audit event from now on (EKS ships them to CloudWatch Logs). */
  onAuditEvent(listener: (event: KubeAuditEvent) => void): void {
    this.audit.listeners.push(listener);
  }

  /** Role rules the RBAC authorizer reads (built-in `view`, the test catalogs' `pod-debugger`). */
  readonly roles = defaultRoles();
  /** ClusterRoleBindings (nobody's lease): standing access for the access review to find. */
  readonly clusterRoleBindings: BindingGrant[] = [];
  /** Whether kube-lease's identity may create SubjectAccessReviews (the RBAC `npm run rbac` generates). */
  reviewsAllowed = true;
  /** Access reviews asked, in order. */
  readonly reviews: { user?: string; groups?: string[]; namespace?: string; verb?: string; resource?: string }[] = [];

  /** POST subjectaccessreviews: the RBAC authorizer's answer from the bindings and roles held here. */
  private review(request: FakeRequest): FakeResponse {
    if (!this.reviewsAllowed) {
      return status(403, 'Forbidden', 'subjectaccessreviews.authorization.k8s.io is forbidden: User "kube-lease" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope', { group: 'authorization.k8s.io', kind: 'subjectaccessreviews' });
    }
    const body = JSON.parse(request.body || '{}') as { spec?: { user?: string; groups?: string[]; resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string } } };
    const spec = body.spec ?? {};
    const attributes = spec.resourceAttributes;
    if ((spec.user === undefined && (spec.groups ?? []).length === 0) || attributes === undefined) {
      return status(422, 'Invalid', 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
    }
    this.reviews.push({ user: spec.user, groups: spec.groups, namespace: attributes.namespace, verb: attributes.verb, resource: attributes.resource });
    const answer = this.authorize({ user: spec.user, groups: spec.groups }, attributes.namespace ?? '', {
      verb: attributes.verb ?? '',
      resource: attributes.resource ?? '',
      group: attributes.group ?? '',
      subresource: attributes.subresource,
    });
    return {
      status: 201,
      body: { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: answer.allowed ? { allowed: true, reason: answer.reason } : { allowed: false } },
    };
  }

  /** Self access reviews asked, in order (`kubectl auth can-i`, `kube-lease request --wait`). */
  readonly selfReviews: { user: string; namespace?: string; verb?: string; resource?: string; allowed: boolean }[] = [];

  /** POST selfsubjectaccessreviews: the RBAC authorizer's answer for the caller themselves (201, as the API server answers a create). */
  private selfReview(request: FakeRequest, who: { username: string; groups: readonly string[] }): FakeResponse {
    const body = JSON.parse(request.body || '{}') as { spec?: { resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string } } };
    const attributes = body.spec?.resourceAttributes;
    if (attributes === undefined) return status(422, 'Invalid', 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec: Invalid value: ...: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const answer = this.authorize({ user: who.username, groups: who.groups }, attributes.namespace ?? '', {
      verb: attributes.verb ?? '',
      resource: attributes.resource ?? '',
      group: attributes.group ?? '',
      subresource: attributes.subresource,
    });
    this.selfReviews.push({ user: who.username, namespace: attributes.namespace, verb: attributes.verb, resource: attributes.resource, allowed: answer.allowed });
    return {
      status: 201,
      body: { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: body.spec, status: answer.allowed ? { allowed: true, reason: answer.reason } : { allowed: false } },
    };
  }

  /** A person's own kubeconfig (YAML): a context named `contextName` whose token makes this fake see `user`. */
  userKubeconfig(server: string, user: string, contextName = 'fake-user'): string {
    return this.kubeconfig(server, contextName).replace(`    token: ${this.token}`, `    token: user:${user}`);
  }

  binding(namespace: string, name: string): StoredBinding | undefined {
    return this.bindings.get(`${namespace}/${name}`);
  }

  /** Bindings carrying the given label (all when no selector). */
  list(labelKey?: string, labelValue?: string): StoredBinding[] {
    return [...this.bindings.values()].filter((b) => labelKey === undefined || b.metadata.labels?.[labelKey] === labelValue);
  }

  /** Bindings matching an equality label selector (`a=b,c=d`), as the API server reads one. */
  select(selector: string | null): StoredBinding[] {
    const terms = (selector ?? '').split(',').filter((t) => t !== '').map((t) => t.split('='));
    return [...this.bindings.values()].filter((b) => terms.every(([key, value]) => key !== undefined && b.metadata.labels?.[key] === value));
  }

  /** Who sent the request: kube-lease, a subject user (`Bearer user:<name>`), or nobody (401, not audited). */
  private identify(request: FakeRequest): { username: string; groups: readonly string[] } | undefined {
    const header = request.headers.authorization ?? '';
    if (header === `Bearer ${this.token}`) return KUBE_LEASE;
    const user = /^Bearer user:(.+)$/.exec(header)?.[1];
    return user === undefined ? undefined : { username: user, groups: [...(this.userGroups.get(user) ?? []), 'system:authenticated'] };
  }

  /** The RBAC authorizer over the bindings held here (RoleBindings and `clusterRoleBindings`). */
  private authorize(who: { user?: string | undefined; groups?: readonly string[] | undefined }, namespace: string, check: AccessCheck): { allowed: boolean; reason: string } {
    const grants: BindingGrant[] = [...this.bindings.values()].map((b) => ({ name: b.metadata.name, namespace: b.metadata.namespace, roleRef: b.roleRef, subjects: b.subjects }));
    return authorize([...grants, ...this.clusterRoleBindings], this.roles, who, namespace, check);
  }

  /** What RBAC says of a subject user's request; streams into pods need `create` whatever the method. */
  private authorizeUser(who: { username: string; groups: readonly string[] }, info: RequestInfo, verb: string): { allowed: boolean; reason: string } {
    if (!info.resourceRequest || info.resource === undefined) return { allowed: false, reason: '' };
    return this.authorize({ user: who.username, groups: who.groups }, info.namespace ?? '', {
      verb,
      resource: info.resource,
      group: info.apiGroup,
      subresource: info.subresource,
    });
  }

  /** Authenticates, authorizes subject users, serves, and audits the request (a stream at its start and its end). */
  protected route(request: FakeRequest): FakeResponse {
    const who = this.identify(request);
    if (who === undefined) return status(401, 'Unauthorized', 'Unauthorized');
    // Every authenticated user may ask what they themselves may do (system:basic-user's rule).
    if (request.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && request.method === 'POST') return this.selfReview(request, who);
    const info = requestInfo(request);
    // pods/proxy is authorized with the HTTP verb (get for a WebSocket); its upgrades are streams too (the core routes answer them with one).
    const isStream = info.resource === 'pods' && STREAM_SUBRESOURCES.includes(info.subresource ?? '');
    const authzVerb = isStream ? 'create' : info.verb;
    const decision = who === KUBE_LEASE ? { allowed: true, reason: '' } : this.authorizeUser(who, info, authzVerb);
    const userAgent = request.headers['user-agent'];
    // RBAC writes are logged with their object; a create's objectRef names the object (the API server fills it in from the body).
    const requestObject = info.apiGroup === 'rbac.authorization.k8s.io' && ['create', 'update', 'patch'].includes(info.verb) ? jsonOf(request.body) : undefined;
    const named = info.name ?? (typeof requestObject === 'object' && requestObject !== null ? (requestObject as { metadata?: { name?: unknown } }).metadata?.name : undefined);
    const audited = this.audit.begin({ requestURI: request.uri, verb: info.verb, user: who, userAgent, info: typeof named === 'string' ? { ...info, name: named } : info, decision, ...(requestObject === undefined ? {} : { requestObject }) });
    const response = decision.allowed ? this.serve(request, info) : forbidden(info, who.username, authzVerb, request.path);
    const headers = { ...response.headers, 'Audit-Id': audited.auditID };
    const inner = response.stream;
    if (inner === undefined) {
      const body = response.body as { status?: string; message?: string; reason?: string } | undefined;
      const failure = body?.status === 'Failure' ? { message: body.message, reason: body.reason } : undefined;
      // kube-lease's own 403 (reviewsAllowed off) is the authorizer's refusal too.
      this.audit.record(response.status === 403 ? { ...audited, decision: { allowed: false } } : audited, 'ResponseComplete', response.status, failure);
      return { ...response, headers };
    }
    // A real exec/attach/portforward (or upgraded proxy request) answers 101 Switching Protocols, and the audit log says so at both stages.
    return {
      ...response,
      headers,
      stream: (out) => {
        this.audit.record(audited, 'ResponseStarted', 101);
        out.onClose(() => this.audit.record(audited, 'ResponseComplete', 101));
        inner(out);
      },
    };
  }

  private serve(request: FakeRequest, info: RequestInfo): FakeResponse {
    // Discovery of the core group, as client-node's object API reads it to find a kind's resource.
    if (request.method === 'GET' && request.path === '/api/v1') return { status: 200, body: CORE_DISCOVERY };
    const core = this.core.route(request, info);
    if (core !== undefined) return core;
    if (request.path === '/apis/authorization.k8s.io/v1/subjectaccessreviews' && request.method === 'POST') return this.review(request);
    const m = /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/rolebindings(?:\/([^/]+))?$/.exec(request.path);
    if (m?.[1] === undefined) return status(404, 'NotFound', 'the server could not find the requested resource');
    const namespace = m[1];
    const name = m[2];
    if (!this.namespaces.has(namespace)) return status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });

    if (name === undefined && request.method === 'POST') return createBinding(this.bindings, () => String((this.resourceVersion += 1)), request, namespace);
    if (name === undefined && request.method === 'GET') {
      const items = this.select(request.query.get('labelSelector')).filter((b) => b.metadata.namespace === namespace);
      return { status: 200, body: { kind: 'RoleBindingList', apiVersion: `${GROUP}/v1`, metadata: { resourceVersion: String(this.resourceVersion) }, items } };
    }
    if (name === undefined) return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

    return bindingRoute(this.bindings, () => String((this.resourceVersion += 1)), request, namespace, name);
  }

  /**
   * A kubeconfig (YAML) pointing at this fake with its bearer token. Over plain HTTP on loopback
   * client-node demands insecure-skip-tls-verify; started with TLS, give `caPem` and verification is on.
   */
  kubeconfig(server: string, contextName = 'fake', caPem?: string): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${contextName}`,
      'clusters:',
      `- name: ${contextName}`,
      '  cluster:',
      `    server: ${server}`,
      caPem === undefined ? '    insecure-skip-tls-verify: true' : `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
      'users:',
      `- name: ${contextName}`,
      '  user:',
      `    token: ${this.token}`,
      'contexts:',
      `- name: ${contextName}`,
      '  context:',
      `    cluster: ${contextName}`,
      `    user: ${contextName}`,
      '',
    ].join('\n');
  }
}

function jsonOf(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
