/** Monotonic milliseconds. Injected so pacing is tested without real sleeps. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => performance.now() });

export interface TokenBucketOptions {
  /** Events per second. */
  readonly rate: number;
  /** Most events that may go out at once after a pause; default a tenth of a second's worth (at least 1). */
  readonly burst?: number;
  readonly clock: Clock;
}

/**
 * Steady pacing for batches: tokens accrue at `rate` per second up to `burst`, and each event
 * spends one. The producer takes whatever has accrued as one batch, then sleeps until the next
 * token, so a high rate means a few hundred events per wake-up, not a timer per event. The cap
 * keeps a stall (GC, a full queue) from turning into an unbounded burst afterwards.
 */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.rate > 0)) throw new RangeError(`rate must be positive, got ${options.rate}`);
    this.rate = options.rate;
    this.burst = Math.max(1, options.burst ?? options.rate / 10);
    this.clock = options.clock;
    this.tokens = 1; // the first event goes out at once
    this.last = this.clock.now();
  }

  /** Takes up to `max` whole tokens available now and returns how many it took. */
  take(max: number): number {
    this.refill();
    const n = Math.max(0, Math.min(max, Math.floor(this.tokens)));
    this.tokens -= n;
    return n;
  }

  /** Milliseconds until the next token (0 if one is available). */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.rate;
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
  }
}
