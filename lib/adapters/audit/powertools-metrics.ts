import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricName, Metrics } from '../../ports/metrics.js';

/**
 * CloudWatch metrics in Embedded Metric Format through Powertools: each count is written at once as
 * its own EMF record (single metric), so nothing is lost when an invocation fails before a flush.
 */
export class EmfMetrics implements Metrics {
  private readonly metrics: PowertoolsMetrics;

  constructor(namespace = 'KubeLease', serviceName = 'kube-lease') {
    this.metrics = new PowertoolsMetrics({ namespace, serviceName });
  }

  count(name: MetricName, dimensions: Readonly<Record<string, string>> = {}, value = 1): void {
    try {
      const single = this.metrics.singleMetric();
      for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension.slice(0, 250));
      single.addMetric(name, MetricUnit.Count, value);
    } catch {
      // Metrics are best effort; a failure here must never change a decision.
    }
  }
}
