import type { Logger } from '../src/logger';
import { expectedTotal, startProgress } from '../src/progress';
import type { Snapshot } from '../src/stats';

describe('expectedTotal (the progress bar’s 100 %)', () => {
  it('is --count, or rate × --duration, or open-ended', () => {
    expect(expectedTotal({ count: 500, rate: 10, durationMs: undefined })).toBe(500);
    expect(expectedTotal({ count: undefined, rate: 100, durationMs: 3_000 })).toBe(300);
    expect(expectedTotal({ count: undefined, rate: 0.5, durationMs: 3_000 })).toBe(2);
    expect(expectedTotal({ count: undefined, rate: 10, durationMs: undefined })).toBeUndefined();
  });

  it('with both, whichever ends the run first: --rate 100 --duration 3s --count 100000 sends 300, not 100,000', () => {
    expect(expectedTotal({ count: 100_000, rate: 100, durationMs: 3_000 })).toBe(300);
    expect(expectedTotal({ count: 50, rate: 100, durationMs: 3_000 })).toBe(50);
  });
});

describe('progress log lines', () => {
  afterEach(() => jest.useRealTimers());

  it('give a slow rate with two significant digits (--rate 0.25 logged rate 0)', () => {
    jest.useFakeTimers();
    const lines: Record<string, unknown>[] = [];
    const logger = { info: (message: string, fields: Record<string, unknown>) => lines.push({ message, ...fields }) } as unknown as Logger;
    const snapshots: Snapshot[] = [0, 2, 4, 54].map((sent, i) => ({ sent, delivered: sent, failed: 0, late: 0, invalid: 0, inFlight: 0, elapsedMs: i * 5_000 }));
    let reads = 0;
    const progress = startProgress({ mode: 'log', logger, read: () => snapshots[reads++]!, intervalMs: 5_000 });
    jest.advanceTimersByTime(15_000);
    progress.stop();
    expect(lines.map((l) => [l.message, l.rate, l.sent])).toEqual([
      ['progress', 0.4, 2],
      ['progress', 0.4, 4],
      ['progress', 10, 54],
    ]);
  });
});
