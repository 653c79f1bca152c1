/** Operational counters (CloudWatch metrics in AWS). Must not throw. */
export interface Metrics {
  /** Adds 1 (or `value`) to the counter `name`, split by the given dimensions. */
  count(name: MetricName, dimensions?: Readonly<Record<string, string>>, value?: number): void;
}

export type MetricName = 'Grants' | 'Denials' | 'Revocations' | 'RevokeFailures' | 'GrantFailures' | 'SweepFixes';

export const noMetrics: Metrics = { count: () => undefined };
