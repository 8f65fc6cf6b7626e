import type { Clock } from '#core/clock.js';

/** A clock tests can move forward. */
export class TestClock implements Clock {
  private current: number;
  constructor(start = '2026-03-02T16:00:00.000Z') {
    this.current = new Date(start).getTime();
  }
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current += ms;
  }
}
