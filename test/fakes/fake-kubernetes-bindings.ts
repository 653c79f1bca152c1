import { randomUUID } from 'node:crypto';
import type { FakeRequest, FakeResponse } from './fake-http-server.js';
import { status } from './fake-kubernetes-api.js';

const GROUP = 'rbac.authorization.k8s.io';

export interface StoredBinding {
  apiVersion: string;
  kind: 'RoleBinding';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { apiGroup?: string; kind: string; name: string }[];
}

/** GET, PUT (compare-and-swap on resourceVersion) and DELETE (uid preconditions) of one RoleBinding. */
export function bindingRoute(bindings: Map<string, StoredBinding>, nextVersion: () => string, request: FakeRequest, namespace: string, name: string): FakeResponse {
  const existing = bindings.get(`${namespace}/${name}`);
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
      metadata: { ...body.metadata, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp, resourceVersion: nextVersion() },
    };
    bindings.set(`${namespace}/${name}`, replaced);
    return { status: 200, body: replaced };
  }
  if (request.method === 'DELETE') {
    if (existing === undefined) return notFound;
    const options = request.body === '' ? {} : (JSON.parse(request.body) as { preconditions?: { uid?: string } });
    const uid = options.preconditions?.uid;
    if (uid !== undefined && uid !== existing.metadata.uid) {
      return status(409, 'Conflict', `Operation cannot be fulfilled on rolebindings.${GROUP} "${name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`);
    }
    bindings.delete(`${namespace}/${name}`);
    return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: GROUP, kind: 'rolebindings', uid: existing.metadata.uid } } };
  }
  return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/** POST: creates a RoleBinding (not stored on server-side dry run). */
export function createBinding(bindings: Map<string, StoredBinding>, nextVersion: () => string, request: FakeRequest, namespace: string): FakeResponse {
  const body = JSON.parse(request.body) as Partial<StoredBinding> & { metadata?: Partial<StoredBinding['metadata']> };
  const name = body.metadata?.name;
  if (name === undefined || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
    return status(422, 'Invalid', `RoleBinding.${GROUP} "${name ?? ''}" is invalid: metadata.name: Invalid value`);
  }
  if (body.roleRef === undefined || body.subjects === undefined) {
    return status(422, 'Invalid', `RoleBinding.${GROUP} "${name}" is invalid: roleRef: Required value`);
  }
  if (bindings.get(`${namespace}/${name}`) !== undefined) {
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
      resourceVersion: nextVersion(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    },
    roleRef: body.roleRef,
    subjects: body.subjects,
  };
  // Server-side dry run: validated and authorised as a real request, never stored.
  if (request.query.get('dryRun') === 'All') return { status: 201, body: stored };
  bindings.set(`${namespace}/${name}`, stored);
  return { status: 201, body: stored };
}
