import { int, latencySummary, mb, ms, percent, renderTable, seconds } from '../src/report';

describe('formatting', () => {
  it('writes numbers the way the table shows them', () => {
    expect(int(1234567.8)).toBe('1,234,568');
    expect(int(Number.NaN)).toBe('–');
    expect(seconds(0.423)).toBe('0.42 s');
    expect(seconds(12.34)).toBe('12.3 s');
    expect(seconds(184.4)).toBe('184 s');
    expect(ms(0.84)).toBe('0.8 ms');
    expect(ms(1204.2)).toBe('1,204 ms');
    expect(mb(500 * 1024 * 1024)).toBe('500 MB');
    expect(percent(0.634)).toBe('63 %');
  });

  it('summarizes a latency distribution', () => {
    expect(latencySummary({ count: 3000, mean: 150, p50: 120, p95: 310.4, p99: 480, max: 702 })).toBe(
      'p50 120 ms, p95 310 ms, p99 480 ms, max 702 ms (n=3,000)',
    );
    expect(latencySummary({ count: 0, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN })).toBe('no samples');
  });
});

describe('renderTable', () => {
  it('aligns columns, numbers to the right, with a blank line between steps', () => {
    const table = renderTable([
      { step: 'ceiling', what: 'raw consumer', count: 1_000_000, seconds: 5.2, rate: 192_307.7, usPerEvent: 5.2 },
      { step: 'pipeline', what: 'activity pipeline', count: 1_000_000, seconds: 20, rate: 50_000, usPerEvent: 20, note: '26 % of the ceiling' },
    ]);
    expect(table.split('\n')).toEqual([
      'step      what                   count    time  events/s  µs/event  notes',
      '────────  ─────────────────  ─────────  ──────  ────────  ────────  ───────────────────',
      'ceiling   raw consumer       1,000,000   5.2 s   192,308      5.20',
      '',
      'pipeline  activity pipeline  1,000,000  20.0 s    50,000     20.00  26 % of the ceiling',
    ]);
  });

  it('leaves cells empty for figures a row does not have, and says the unit of a count', () => {
    const [, , line] = renderTable([{ step: 'latency', what: 'to PostgreSQL', count: 300, unit: 'probes', note: 'p99 480 ms' }]).split('\n');
    // empty time (4), events/s (8) and µs/event (8) columns, each with its 2-space gap
    expect(line).toBe(`latency  to PostgreSQL  300 probes${' '.repeat(2 + 4 + 2 + 8 + 2 + 8 + 2)}p99 480 ms`);
  });
});
