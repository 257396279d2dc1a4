/**
 * Wall-clock time as the runtime sees it. The Kafka runtime uses the system clock; the test driver
 * uses a virtual clock that only moves when a test says so, so no test ever sleeps.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock that moves only when told to. */
export class VirtualClock implements Clock {
  constructor(private current = 0) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): number {
    if (ms < 0) throw new RangeError('a clock cannot go back');
    this.current += ms;
    return this.current;
  }
  set(ms: number): void {
    if (ms < this.current) throw new RangeError('a clock cannot go back');
    this.current = ms;
  }
}
