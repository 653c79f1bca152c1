import { describe, expect, it } from '@jest/globals';
import { useCases } from '../support/use-cases.js';

describe('sweepLeases (use case, in-memory ports)', () => {
  it('runs the cluster-wide scan once in a scan minute, however often it sweeps (local mode sweeps every 10 s)', async () => {
    // Prepare: T0 is 10:00 UTC, a minute divisible by the scan interval (5).
    const app = useCases();
    let scans = 0;
    const list = app.cluster.listManaged.bind(app.cluster);
    app.cluster.listManaged = async (cluster, namespace) => {
      scans += 1;
      return list(cluster, namespace);
    };
    const namespaces = new Set(app.catalog.profiles.flatMap((p) => p.namespaces)).size;
    // Act: six sweeps ten seconds apart, then one in the next minute (not a scan minute) and one five minutes on.
    for (let i = 0; i < 6; i += 1) {
      await app.sweepLeases();
      app.clock.advance(10_000);
    }
    const inScanMinute = scans;
    await app.sweepLeases();
    app.clock.advance(4 * 60_000);
    await app.sweepLeases();
    // Assess
    expect(inScanMinute).toBe(namespaces);
    expect(scans).toBe(2 * namespaces);
  });
});
