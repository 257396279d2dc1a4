import type { RecordOutput } from '../src/kafka-output';
import { TokenBucket, type Clock } from '../src/pacing';
import { produceLoop } from '../src/produce-loop';
import { generateEvents } from '../src/simulation';
import { RunCounters } from '../src/stats';

/** A clock that moves only when told: pacing is tested without real sleeps. */
class ManualClock implements Clock {
  constructor(public t = 1_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

describe('TokenBucket', () => {
  it('lets one event out at once, then rate per second', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ rate: 100, clock });
    expect(bucket.take(1000)).toBe(1);
    expect(bucket.take(1000)).toBe(0);
    clock.advance(50);
    expect(bucket.take(1000)).toBe(5);
    clock.advance(25);
    expect(bucket.take(1000)).toBe(2); // 2.5 accrued: the half stays for later
    clock.advance(5);
    expect(bucket.take(1000)).toBe(1);
  });

  it('says how long until the next token', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ rate: 10, clock });
    expect(bucket.waitMs()).toBe(0);
    bucket.take(1);
    expect(bucket.waitMs()).toBeCloseTo(100);
    clock.advance(40);
    expect(bucket.waitMs()).toBeCloseTo(60);
    clock.advance(60);
    expect(bucket.waitMs()).toBe(0);
  });

  it('caps a burst after a pause at a tenth of a second of events', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ rate: 50_000, clock });
    clock.advance(60_000);
    expect(bucket.take(1e9)).toBe(5000);
    expect(new TokenBucket({ rate: 2, clock }).burst).toBe(1);
  });

  it('never takes more than asked', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ rate: 1000, clock });
    clock.advance(100);
    expect(bucket.take(30)).toBe(30);
    expect(bucket.take(1000)).toBe(70); // 100: the burst cap, a tenth of a second
  });

  it('averages the rate exactly over a long run of irregular wake-ups', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ rate: 1234, clock });
    let sent = 0;
    for (let i = 0; i < 10_000; i++) {
      sent += bucket.take(1e9);
      clock.advance(1 + ((i * 7) % 5)); // 1..5 ms
    }
    sent += bucket.take(1e9);
    const seconds = (clock.t - 1_000) / 1000;
    expect(Math.abs(sent - (1 + 1234 * seconds))).toBeLessThanOrEqual(1);
  });
});

/** An output that accepts records until its queue is full and frees it when polled. */
class FakeOutput implements RecordOutput {
  readonly keys: string[] = [];
  queued = 0;
  polls = 0;
  constructor(private readonly capacity = Infinity) {}
  offer(key: string, _value: Buffer): boolean {
    if (this.queued >= this.capacity) return false;
    this.queued++;
    this.keys.push(key);
    return true;
  }
  async waitForRoom(): Promise<void> {
    this.polls++;
    this.queued = 0;
  }
}

function loop(options: { rate: number; count?: number; durationMs?: number; output?: FakeOutput; signal?: AbortSignal; onSleep?: () => void }) {
  const clock = new ManualClock();
  const output = options.output ?? new FakeOutput();
  const counters = new RunCounters();
  const sleeps: number[] = [];
  const done = produceLoop({
    records: generateEvents({ seed: 1, lateEvery: 10, invalidEvery: 25 }),
    output,
    pacer: new TokenBucket({ rate: options.rate, clock }),
    counters,
    clock,
    signal: options.signal ?? new AbortController().signal,
    count: options.count,
    durationMs: options.durationMs,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(Math.max(ms, 1)); // like a timer: at least a millisecond
      options.onSleep?.();
    },
  });
  return { done, clock, output, counters, sleeps };
}

describe('produceLoop', () => {
  it('sends rate × duration records, evenly', async () => {
    const { done, counters, sleeps } = loop({ rate: 200, durationMs: 10_000 });
    await expect(done).resolves.toBe('duration');
    expect(Math.abs(counters.sent - 2000)).toBeLessThanOrEqual(1);
    // One wake-up per token at this rate: 5 ms apart, no busy loop.
    expect(sleeps.filter((ms) => ms > 0).length).toBeGreaterThan(1900);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(5);
  });

  it('sends in batches at a high rate, with few wake-ups', async () => {
    const { done, counters, sleeps, clock } = loop({ rate: 100_000, count: 1_000_000 });
    await expect(done).resolves.toBe('count');
    expect(counters.sent).toBe(1_000_000);
    expect(clock.t - 1_000).toBeGreaterThanOrEqual(9_990);
    expect(clock.t - 1_000).toBeLessThanOrEqual(10_010);
    expect(sleeps.length).toBeLessThan(11_000); // ~100 records per 1 ms wake-up, not a timer each
  });

  it('stops at exactly count and counts late and invalid records', async () => {
    const { done, counters, output } = loop({ rate: 1000, count: 1000 });
    await expect(done).resolves.toBe('count');
    expect(output.keys).toHaveLength(1000);
    expect(counters).toMatchObject({ sent: 1000, invalid: 40 });
    expect(counters.late).toBe(80); // every 10th, but not every 50th: those are malformed (every 25th)
  });

  it('ends at the last record of its count, without waiting for another token', async () => {
    // At 0.2 records/s a token comes every 5 s: the run of 2 records takes 5 s (one wait, between
    // them), not 10 (a wait after the last too, which made the summary's elapsed time and rate wrong).
    const { done, counters, clock } = loop({ rate: 0.2, count: 2 });
    await expect(done).resolves.toBe('count');
    expect(counters.sent).toBe(2);
    expect(clock.t - 1_000).toBe(5_000);
  });

  it('waits for room when the queue is full and loses nothing', async () => {
    const output = new FakeOutput(64);
    const { done, counters } = loop({ rate: 50_000, count: 10_000, output });
    await expect(done).resolves.toBe('count');
    expect(counters.sent).toBe(10_000);
    expect(output.keys).toHaveLength(10_000);
    expect(output.polls).toBeGreaterThanOrEqual(10_000 / 64 - 1);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    let wakeUps = 0;
    const { done, counters } = loop({ rate: 100, signal: controller.signal, onSleep: () => ++wakeUps === 50 && controller.abort() });
    await expect(done).resolves.toBe('signal');
    expect(counters.sent).toBe(50);
  });
});
