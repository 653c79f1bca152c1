import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { EmfMetrics } from '../../lib/adapters/audit/powertools-metrics.js';

interface EmfRecord {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** What Powertools writes: one Embedded Metric Format JSON document per line. */
function captureEmf(work: () => void): EmfRecord[] {
  const lines: string[] = [];
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }),
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => lines.push(args.map(String).join(' '))),
  ];
  try {
    work();
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as EmfRecord);
}

describe('EmfMetrics (Powertools, Embedded Metric Format)', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('writes each count and each duration at once, with its unit and dimensions', () => {
    const records = captureEmf(() => {
      const metrics = new EmfMetrics('KubeLeaseTest', 'kube-lease');
      metrics.count('BackendFailures', { backend: 'kubernetes' });
      metrics.seconds('RevocationLag', 2.5, { cause: 'expiry' });
      metrics.count('SweepFixes', { kind: 'orphanBindingsDeleted' }, 3);
    });
    expect(records).toHaveLength(3);
    const [failures, lag, fixes] = records;
    expect(failures?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'KubeLeaseTest', Metrics: [{ Name: 'BackendFailures', Unit: 'Count' }] });
    expect(failures).toMatchObject({ backend: 'kubernetes', BackendFailures: 1 });
    expect(lag?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'RevocationLag', Unit: 'Seconds' }]);
    expect(lag?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toContain('cause');
    expect(lag).toMatchObject({ cause: 'expiry', RevocationLag: 2.5 });
    expect(fixes).toMatchObject({ kind: 'orphanBindingsDeleted', SweepFixes: 3 });
  });
});
