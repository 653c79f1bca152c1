import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CountMetric, DurationMetric, MetricName, Metrics } from '../../ports/metrics.js';

/**
 * CloudWatch metrics in Embedded Metric Format through Powertools: each count is written at once as
 * its own EMF record (single metric), so nothing is lost when an invocation fails before a flush.
 */
export class EmfMetrics implements Metrics {
  private readonly metrics: PowertoolsMetrics;

  constructor(namespace = 'KubeLease', serviceName = 'kube-lease') {
    this.metrics = new PowertoolsMetrics({ namespace, serviceName });
  }

  count(name: CountMetric, dimensions: Readonly<Record<string, string>> = {}, value = 1): void {
    this.put(name, MetricUnit.Count, value, dimensions);
  }

  seconds(name: DurationMetric, value: number, dimensions: Readonly<Record<string, string>> = {}): void {
    this.put(name, MetricUnit.Seconds, value, dimensions);
  }

  private put(name: MetricName, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimensions: Readonly<Record<string, string>>): void {
    try {
      const single = this.metrics.singleMetric();
      for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension.slice(0, 250));
      single.addMetric(name, unit, value);
    } catch {
      // Metrics are best effort; a failure here must never change a decision.
    }
  }
}
