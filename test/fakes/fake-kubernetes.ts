import { randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';
import { authorize, defaultRoles, type BindingGrant } from './rbac-rules.js';

const GROUP = 'rbac.authorization.k8s.io';

export interface StoredBinding {
  apiVersion: string;
  kind: 'RoleBinding';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { apiGroup?: string; kind: string; name: string }[];
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): FakeResponse {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code } };
}

/**
 * The Kubernetes API server's RoleBinding routes (rbac.authorization.k8s.io/v1): create, read,
 * replace (with resourceVersion), delete (with uid preconditions), list with a label selector. Errors are `Status` objects as
 * the real API server sends them. Checks the bearer token.
 */
export class FakeKubernetes extends FakeHttpServer {
  readonly bindings = new Map<string, StoredBinding>();
  private resourceVersion = 1000;

  constructor(
    readonly namespaces: Set<string> = new Set(['default', 'payments', 'payments-worker', 'checkout', 'kube-system']),
    private readonly token = 'fake-k8s-token',
  ) {
    super();
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
    const grants: BindingGrant[] = [...this.bindings.values()].map((b) => ({ namespace: b.metadata.namespace, roleRef: b.roleRef, subjects: b.subjects }));
    const answer = authorize([...grants, ...this.clusterRoleBindings], this.roles, { user: spec.user, groups: spec.groups }, attributes.namespace ?? '', {
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

  protected route(request: FakeRequest): FakeResponse {
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      return status(401, 'Unauthorized', 'Unauthorized');
    }
    if (request.path === '/apis/authorization.k8s.io/v1/subjectaccessreviews' && request.method === 'POST') return this.review(request);
    const m = /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/rolebindings(?:\/([^/]+))?$/.exec(request.path);
    if (m?.[1] === undefined) return status(404, 'NotFound', 'the server could not find the requested resource');
    const namespace = m[1];
    const name = m[2];
    if (!this.namespaces.has(namespace)) return status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });

    if (name === undefined && request.method === 'POST') return this.create(namespace, request);
    if (name === undefined && request.method === 'GET') {
      const items = this.select(request.query.get('labelSelector')).filter((b) => b.metadata.namespace === namespace);
      return { status: 200, body: { kind: 'RoleBindingList', apiVersion: `${GROUP}/v1`, metadata: { resourceVersion: String(this.resourceVersion) }, items } };
    }
    if (name === undefined) return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

    const existing = this.binding(namespace, name);
    const notFound = status(404, 'NotFound', `rolebindings.${GROUP} "${name}" not found`, { name, group: GROUP, kind: 'rolebindings' });
    if (request.method === 'GET') return existing === undefined ? notFound : { status: 200, body: existing };
    if (request.method === 'PUT') {
      if (existing === undefined) return notFound;
      const body = JSON.parse(request.body) as StoredBinding;
      if (body.metadata.resourceVersion !== existing.metadata.resourceVersion) {
        return status(409, 'Conflict', `Operation cannot be fulfilled on rolebindings.${GROUP} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
      }
      if (JSON.stringify(body.roleRef) !== JSON.stringify(existing.roleRef)) {
        return status(422, 'Invalid', `RoleBinding.${GROUP} "${name}" is invalid: roleRef: Invalid value: cannot change roleRef`);
      }
      const replaced: StoredBinding = {
        ...body,
        metadata: { ...body.metadata, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp, resourceVersion: String((this.resourceVersion += 1)) },
      };
      this.bindings.set(`${namespace}/${name}`, replaced);
      return { status: 200, body: replaced };
    }
    if (request.method === 'DELETE') {
      if (existing === undefined) return notFound;
      const options = request.body === '' ? {} : (JSON.parse(request.body) as { preconditions?: { uid?: string } });
      const uid = options.preconditions?.uid;
      if (uid !== undefined && uid !== existing.metadata.uid) {
        return status(409, 'Conflict', `Operation cannot be fulfilled on rolebindings.${GROUP} "${name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`);
      }
      this.bindings.delete(`${namespace}/${name}`);
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: GROUP, kind: 'rolebindings', uid: existing.metadata.uid } } };
    }
    return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  private create(namespace: string, request: FakeRequest): FakeResponse {
    const body = JSON.parse(request.body) as Partial<StoredBinding> & { metadata?: Partial<StoredBinding['metadata']> };
    const name = body.metadata?.name;
    if (name === undefined || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
      return status(422, 'Invalid', `RoleBinding.${GROUP} "${name ?? ''}" is invalid: metadata.name: Invalid value`);
    }
    if (body.roleRef === undefined || body.subjects === undefined) {
      return status(422, 'Invalid', `RoleBinding.${GROUP} "${name}" is invalid: roleRef: Required value`);
    }
    if (this.binding(namespace, name) !== undefined) {
      return status(409, 'AlreadyExists', `rolebindings.${GROUP} "${name}" already exists`, { name, group: GROUP, kind: 'rolebindings' });
    }
    const stored: StoredBinding = {
      apiVersion: `${GROUP}/v1`,
      kind: 'RoleBinding',
      metadata: {
        ...body.metadata,
        name,
        namespace,
        uid: randomUUID(),
        resourceVersion: String((this.resourceVersion += 1)),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      roleRef: body.roleRef,
      subjects: body.subjects,
    };
    // Server-side dry run: validated and authorised as a real request, never stored.
    if (request.query.get('dryRun') === 'All') return { status: 201, body: stored };
    this.bindings.set(`${namespace}/${name}`, stored);
    return { status: 201, body: stored };
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
