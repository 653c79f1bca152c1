import type { Clock } from '../../lib/ports/clock.js';

/** A clock that follows real time plus an offset the test can move forward. */
export class ManualClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
