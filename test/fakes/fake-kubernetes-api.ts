import type { FakeRequest, FakeResponse } from './fake-http-server.js';

/** A `Status` error object, as the API server sends it. */
export function status(code: number, reason: string, message: string, details?: Record<string, unknown>): FakeResponse {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code } };
}

/** What the API server reads from a request path (its RequestInfo): the resource it names and the verb. */
export interface RequestInfo {
  /** get, list, watch, create, update, patch, delete, deletecollection; or the lower-case method of a non-resource request. */
  readonly verb: string;
  readonly resourceRequest: boolean;
  /** '' for the core group. */
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace?: string | undefined;
  readonly resource?: string | undefined;
  readonly name?: string | undefined;
  readonly subresource?: string | undefined;
}

/** The subresources that open a stream into a pod; RBAC asks `create` on them, whatever the method. */
export const STREAM_SUBRESOURCES = ['exec', 'attach', 'portforward'];

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };

/** Parses `/api/v1/...` and `/apis/<group>/<version>/...` as k8s.io/apiserver's RequestInfoFactory does (abridged). */
export function requestInfo(request: FakeRequest): RequestInfo {
  const parts = request.path.split('/').filter((p) => p !== '');
  const method = request.method.toUpperCase();
  let rest: string[];
  let apiGroup = '';
  let apiVersion: string;
  if (parts[0] === 'api' && parts[1] !== undefined) {
    apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts[1] !== undefined && parts[2] !== undefined) {
    apiGroup = parts[1];
    apiVersion = parts[2];
    rest = parts.slice(3);
  } else {
    return { verb: method.toLowerCase(), resourceRequest: false, apiGroup: '', apiVersion: '' };
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest[1] !== undefined) {
    namespace = rest[1];
  }
  const [resource, name, subresource] = rest;
  let verb = VERBS[method] ?? (method === 'DELETE' ? (name === undefined ? 'deletecollection' : 'delete') : 'get');
  if (method === 'GET' && name === undefined) verb = request.query.get('watch') === 'true' ? 'watch' : 'list';
  return { verb, resourceRequest: resource !== undefined, apiGroup, apiVersion, namespace, resource, name, subresource };
}

/** The 403 the API server sends when the authorizer says no (k8s.io/apiserver's forbiddenMessage). */
export function forbidden(info: RequestInfo, username: string, verb: string, path: string): FakeResponse {
  if (!info.resourceRequest || info.resource === undefined) {
    return status(403, 'Forbidden', `forbidden: User "${username}" cannot ${verb} path "${path}"`, {});
  }
  const resource = info.subresource === undefined ? info.resource : `${info.resource}/${info.subresource}`;
  const where = info.namespace === undefined ? 'at the cluster scope' : `in the namespace "${info.namespace}"`;
  const qualified = info.apiGroup === '' ? info.resource : `${info.resource}.${info.apiGroup}`;
  const subject = info.name === undefined ? qualified : `${qualified} "${info.name}"`;
  return status(403, 'Forbidden', `${subject} is forbidden: User "${username}" cannot ${verb} resource "${resource}" in API group "${info.apiGroup}" ${where}`, {
    ...(info.name === undefined ? {} : { name: info.name }),
    ...(info.apiGroup === '' ? {} : { group: info.apiGroup }),
    kind: info.resource,
  });
}
