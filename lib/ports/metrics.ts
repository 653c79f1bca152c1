/** Operational metrics (CloudWatch metrics in AWS). Must not throw. */
export interface Metrics {
  /** Adds 1 (or `value`) to the counter `name`, split by the given dimensions. */
  count(name: CountMetric, dimensions?: Readonly<Record<string, string>>, value?: number): void;
  /** Records one observation of a duration, in seconds. */
  seconds(name: DurationMetric, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

export type CountMetric = 'Grants' | 'Denials' | 'Revocations' | 'RevokeFailures' | 'GrantFailures' | 'SweepFixes' | 'BackendFailures' | 'Ignored' | 'StandingAccessDetected' | 'UnreviewedEmergencyLeases' | 'UnreadableLeaseItems' | 'MalformedQueueItems';
export type DurationMetric = 'RevocationLag';
export type MetricName = CountMetric | DurationMetric;

export const noMetrics: Metrics = { count: () => undefined, seconds: () => undefined };
