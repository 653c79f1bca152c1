import { randomBytes } from 'node:crypto';

/**
 * A short random reference that ties what a ticket or an HTTP response says about a failure to the
 * log line with its detail. The one place kube-lease makes random ids.
 */
export function newReference(): string {
  return randomBytes(6).toString('hex');
}
