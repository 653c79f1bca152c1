import type { MetricName, Metrics } from '../../lib/ports/metrics.js';

export class MemoryMetrics implements Metrics {
  readonly counts: { name: MetricName; dimensions: Readonly<Record<string, string>>; value: number }[] = [];
  count(name: MetricName, dimensions: Readonly<Record<string, string>> = {}, value = 1): void {
    this.counts.push({ name, dimensions, value });
  }
  total(name: MetricName): number {
    return this.counts.filter((c) => c.name === name).reduce((n, c) => n + c.value, 0);
  }
}
