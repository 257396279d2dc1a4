import { formatSummary, RunCounters, summarize } from '../src/stats';
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
});
