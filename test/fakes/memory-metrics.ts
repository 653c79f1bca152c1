import type { CountMetric, DurationMetric, MetricName, Metrics } from '../../lib/ports/metrics.js';

export class MemoryMetrics implements Metrics {
  readonly counts: { name: CountMetric; dimensions: Readonly<Record<string, string>>; value: number }[] = [];
  readonly durations: { name: DurationMetric; dimensions: Readonly<Record<string, string>>; seconds: number }[] = [];
  count(name: CountMetric, dimensions: Readonly<Record<string, string>> = {}, value = 1): void {
    this.counts.push({ name, dimensions, value });
  }
  seconds(name: DurationMetric, seconds: number, dimensions: Readonly<Record<string, string>> = {}): void {
    this.durations.push({ name, dimensions, seconds });
  }
  total(name: MetricName, dimensions: Readonly<Record<string, string>> = {}): number {
    return this.counts
      .filter((c) => c.name === name && Object.entries(dimensions).every(([k, v]) => c.dimensions[k] === v))
      .reduce((n, c) => n + c.value, 0);
  }
}
