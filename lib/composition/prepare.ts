import type { TicketSourceName } from '../domain/ticket.js';
import { describeError } from '../errors.js';
import type { Logger } from '../ports/logger.js';
import type { SourceModule } from '../ports/webhook-source.js';

/** What `prepare` reads: always the ITSM credentials and cluster access; webhook secrets only of these sources (a webhook function's own). */
export interface PrepareScope {
  readonly webhooks?: readonly TicketSourceName[];
}

/**
 * What a cold start would otherwise fetch one after another: secrets, Jira clients, kubeconfigs,
 * EKS endpoints and tokens. Started together, once per scope; a failure is left for the first
 * real call. Resolves, never rejects, with what failed in words.
 */
export function makePrepare(
  sources: readonly SourceModule[],
  clusters: readonly string[],
  clusterAccess: (name: string) => Promise<unknown>,
  logger: Logger,
): (scope?: PrepareScope) => Promise<readonly string[]> {
  const prepared = new Map<string, Promise<readonly string[]>>();
  return (scope = {}) => {
    const webhooks = scope.webhooks ?? [];
    const key = [...webhooks].sort().join(',');
    let started = prepared.get(key);
    if (started === undefined) {
      const steps: [string, () => Promise<unknown>][] = [
        ...sources.map((s): [string, () => Promise<unknown>] => [`the ${s.name} API credentials`, s.prepare.tickets]),
        ...sources.filter((s) => webhooks.includes(s.name)).map((s): [string, () => Promise<unknown>] => [`the ${s.name} webhook secret`, s.prepare.webhook]),
        ...clusters.map((name): [string, () => Promise<unknown>] => [`access to cluster ${name}`, () => clusterAccess(name)]),
      ];
      started = Promise.all(
        steps.map(([what, step]) =>
          step().then(
            () => [],
            (error: unknown) => [`${what}: ${describeError(error)}`],
          ),
        ),
      ).then((failures) => {
        const problems = failures.flat();
        if (problems.length > 0) logger.warn('preparing: some reads failed; the first call that needs them tries again', { problems });
        return problems;
      });
      prepared.set(key, started);
    }
    return started;
  };
}
