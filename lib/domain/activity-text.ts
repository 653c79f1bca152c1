import { scrubSecrets } from '../errors.js';
import { INVISIBLE } from './own-words.js';

/*
 * Audit log fields are the subject's own text (a URL path, a command line): before any of it goes
 * on a ticket or into a record it is checked or cleaned here, so that it can neither forge a line
 * nor carry a secret, and stays bounded.
 */

/** A Kubernetes object or namespace name (DNS-1123 subdomain), else `undefined`: the API server would have refused it. */
export function objectName(value: string | undefined): string | undefined {
  return value !== undefined && value.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value) ? value : undefined;
}

/**
 * The name in a pods/proxy or services/proxy path, `[scheme:]name[:port]`, else `undefined`: a
 * name as objectName checks it, with a port (number or name) and a scheme only as the API server
 * splits them.
 */
export function proxyName(value: string | undefined): string | undefined {
  if (value === undefined || value.length > 280) return undefined;
  const parts = value.split(':');
  const [scheme, name, port] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
  if (parts.length > 3 || objectName(name) === undefined) return undefined;
  if (scheme !== undefined && !/^https?$/.test(scheme)) return undefined;
  return port === undefined || /^[A-Za-z0-9-]{1,15}$/.test(port) ? value : undefined;
}

/** A resource, subresource or API group name as the API server routes them, else `(other)`. */
export function resourceName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.length <= 100 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value) ? value : '(other)';
}

/** A request path without a resource (discovery, /healthz…): its path characters only, bounded. */
export function requestPath(uri: string): string {
  const path = uri.split('?')[0] ?? '';
  return /^\/[A-Za-z0-9/._-]{0,120}$/.test(path) ? path : '(other path)';
}

/** Most characters of a command line kept on a ticket. */
export const COMMAND_CHARS = 160;

/**
 * A command line (exec) or port list: known secret shapes redacted (`password=…`, `token: …`,
 * `Authorization: …`, `-p<password>`), control characters and markup brackets replaced, bounded.
 */
export function commandText(words: readonly string[]): string {
  const plain = words.join(' ').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(INVISIBLE, '\ufffd').replace(/[{}[\]|]/g, '?');
  const redacted = scrubSecrets(plain).replace(/(^|\s)-p(?!\s)\S+/g, '$1-p[redacted]');
  return redacted.length <= COMMAND_CHARS ? redacted : `${redacted.slice(0, COMMAND_CHARS - 1)}…`;
}
