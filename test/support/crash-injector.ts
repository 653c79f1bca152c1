/** Thrown by every port call from the crash point on, as if the process had died there. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** Port methods that change something outside the process: the steps a crash can come after. */
const SIDE_EFFECTS: Readonly<Record<string, readonly string[]>> = {
  // The evidence store and the owed announcements are wrapped as `leases` too (same table): queue,
  // record, markPosted, drop; take, settle, defer; and the review queue and the review's record.
  leases: [
    ...['create', 'transition', 'claimApproval', 'recordDenial', 'claimDelivery', 'finishDelivery', 'releaseDelivery', 'reservePlace', 'queue', 'record', 'markPosted', 'drop', 'take', 'settle', 'defer'],
    ...['queueReview', 'nudgeReview', 'postponeReview', 'finishReview', 'claimReview', 'recordReview', 'markReviewEvidence', 'markReviewDone', 'releaseReview'],
  ],
  scheduler: ['schedule', 'cancel'],
  cluster: ['applyBinding', 'deleteBinding', 'setExpiry', 'evictPod'],
  'tickets.jira': ['comment'],
  'tickets.servicenow': ['comment'],
  'reviews.jira': ['open', 'notify', 'comment'],
  'reviews.servicenow': ['open', 'notify', 'comment'],
};

/** Port methods that answer from configuration, synchronously, with no side effect. */
const SYNC: readonly string[] = ['configured', 'delaySeconds'];

/**
 * Wraps ports (through the container's `decorate` hook) so that the process "dies" right after the
 * N-th side-effecting call completes: that call's effect stays, the call and every later port call
 * throw SimulatedCrash, until `restart()`. Records the steps so a matrix can name them.
 */
export class CrashInjector {
  crashAfter = Number.POSITIVE_INFINITY;
  readonly steps: string[] = [];
  private crashed = false;

  restart(): void {
    this.crashed = false;
    this.crashAfter = Number.POSITIVE_INFINITY;
  }

  arm(step: number): void {
    this.steps.length = 0;
    this.crashAfter = step;
  }

  get hasCrashed(): boolean {
    return this.crashed;
  }

  readonly decorate = <T extends object>(name: string, port: T): T => {
    const effects = SIDE_EFFECTS[name] ?? [];
    return new Proxy(port, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        // Synchronous questions about configuration (the activity log's) stay synchronous.
        if (SYNC.includes(String(property))) return value.bind(target) as unknown;
        return async (...args: unknown[]) => {
          if (this.crashed) throw new SimulatedCrash(`process is down (${name}.${String(property)})`);
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (effects.includes(String(property))) {
            this.steps.push(`${name}.${String(property)}`);
            if (this.steps.length >= this.crashAfter) {
              this.crashed = true;
              throw new SimulatedCrash(`crash after ${name}.${String(property)}`);
            }
          }
          return result;
        };
      },
    });
  };
}
