import { formatSummary, roundRate, RunCounters, summarize } from '../src/stats';
import { generateEvents } from '../src/simulation';

describe('run summary', () => {
  it('counts late and invalid records as they are sent', () => {
    const counters = new RunCounters();
    for (const r of generateEvents({ seed: 1, count: 100, lateEvery: 10, invalidEvery: 20 })) counters.count(r);
    expect(counters).toMatchObject({ sent: 100, late: 5, invalid: 5 });
  });

  it('reports totals, elapsed time and the average rate', () => {
    const summary = summarize({ sent: 1000, delivered: 990, failed: 4, late: 20, invalid: 0, inFlight: 6, elapsedMs: 2500 }, 'signal');
    expect(summary).toEqual({ sent: 1000, delivered: 990, failed: 4, undelivered: 6, late: 20, invalid: 0, elapsed_s: 2.5, avg_rate: 400, stopped_by: 'signal' });
    expect(formatSummary(summary)).toBe(
      'done (signal): 1000 sent, 990 delivered, 4 failed, 6 unacknowledged, 20 late, 0 invalid in 2.5s (400 events/s) - 10 records NOT delivered',
    );
  });

  it('gives a slow run its average rate with two significant digits (--rate 0.25 for 4.5 s was reported as 0 events/s)', () => {
    const summary = summarize({ sent: 2, delivered: 2, failed: 0, late: 0, invalid: 0, inFlight: 0, elapsedMs: 4_500 }, 'duration');
    expect(summary.avg_rate).toBe(0.44);
    expect(formatSummary(summary)).toContain('in 4.5s (0.44 events/s)');
  });

  it('rounds a rate to a whole number from 10/s up, else to two significant digits', () => {
    expect([0, 0.0123, 0.25, 0.4444, 2.5, 5.55, 9.96, 10.4, 99.5, 49_812.7].map(roundRate)).toEqual([0, 0.012, 0.25, 0.44, 2.5, 5.5, 10, 10, 100, 49_813]);
  });
});
