import type { GrantFollowUp } from '../../ports/grant-follow-up.js';

/**
 * In-process stand-in for the EventBridge follow-up (local mode, and tests with in-process timers):
 * the announcement runs in this process once the lease is written ACTIVE, after the answer.
 */
export class LocalFollowUp implements GrantFollowUp {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly run: (leaseId: string) => Promise<unknown>,
    private readonly onError: (leaseId: string, error: unknown) => void,
  ) {}

  request(leaseId: string, written: Promise<unknown>): Promise<void> {
    // A write that failed made no grant to announce (the grant's own error says so).
    const job = written.then(
      () => this.run(leaseId).then(() => undefined, (error: unknown) => this.onError(leaseId, error)),
      () => undefined,
    );
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
    return Promise.resolve();
  }

  /** Resolves once every announcement asked for so far (and any they asked for) has run. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
