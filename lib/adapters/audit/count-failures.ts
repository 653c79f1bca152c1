import { TicketNotFoundError } from '../../errors.js';
import type { Metrics } from '../../ports/metrics.js';

/** The ports the container builds, by the name its `decorate` hook knows them. */
export type PortName = 'tickets.jira' | 'tickets.servicenow' | 'reviews.jira' | 'reviews.servicenow' | 'cluster' | 'leases' | 'scheduler' | 'activity' | 'onCall';

const BACKEND: Readonly<Record<PortName, string>> = {
  'tickets.jira': 'jira',
  'tickets.servicenow': 'servicenow',
  'reviews.jira': 'jira',
  'reviews.servicenow': 'servicenow',
  cluster: 'kubernetes',
  leases: 'dynamodb',
  scheduler: 'eventbridge',
  activity: 'cloudwatch-logs',
  onCall: 'pagerduty',
};

/**
 * Wraps a port so that every call that fails (after the adapter's own retries) is counted as
 * `BackendFailures{backend}`, whatever the caller then makes of it. An answer that only says "no
 * such ticket" is not a failure of the backend and is not counted. The error is passed on unchanged.
 */
export function countFailures<T extends object>(name: PortName, port: T, metrics: Metrics): T {
  const backend = BACKEND[name];
  const counted = (error: unknown): never => {
    if (!(error instanceof TicketNotFoundError)) metrics.count('BackendFailures', { backend });
    throw error;
  };
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = Reflect.apply(value, target, args);
        } catch (error) {
          return counted(error);
        }
        return result instanceof Promise ? result.catch(counted) : result;
      };
    },
  });
}
