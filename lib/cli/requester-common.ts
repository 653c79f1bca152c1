import { formatDuration, parseDuration } from '../domain/duration.js';
import type { Catalog } from '../domain/catalog.js';
import { isTicketSource, TICKET_SOURCES, type TicketSourceName } from '../domain/ticket.js';
import { KubeLeaseError, UsageError } from '../errors.js';
import type { RequesterCluster } from '../adapters/kubernetes/self-access-review.js';

/* What the requester's commands share: options read the same way, the test seams, the refusal. */

/** Seconds `--wait` waits unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT = 30 * 60;
export const MAX_TIMEOUT = 24 * 3600;

/** Test seams: the kubectl side and the pause between polls. Defaults: the requester's kubeconfig, a real timer. */
export interface RequesterHooks {
  readonly cluster?: (context: string | undefined) => RequesterCluster;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

export function sourceOf(option: string | undefined, catalog: Catalog): TicketSourceName {
  if (option !== undefined) {
    if (!isTicketSource(option)) throw new UsageError(`--source is ${TICKET_SOURCES.join(' or ')}, not ${option}`);
    return option;
  }
  return catalog.jira !== undefined ? 'jira' : 'servicenow';
}

/** A duration option in seconds, at most `max`. */
export function seconds(text: string | undefined, option: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = parseDuration(text);
  if (value === undefined || value <= 0 || value > max) throw new UsageError(`${option} takes a duration up to ${formatDuration(max)}, e.g. 30m or 2h`);
  return value;
}

/** A request the pre-check refused: nothing was filed. */
export class RequestRefused extends KubeLeaseError {
  override name = 'RequestRefused';
  constructor(problems: readonly string[]) {
    super(`nothing was filed: ${problems.join('; ')}`);
  }
}
