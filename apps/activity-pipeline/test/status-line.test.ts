import type { Logger, SinkThread, SinkThreadStats } from '@pipeline/streams';
import type { KafkaStreamsMetrics } from '@pipeline/streams/kafka';
import { startStatusLine } from '../src/observability/status-line';

describe('the status line', () => {
  afterEach(() => jest.useRealTimers());

  it('counts page-view windows and the users held for active users apart (the latter once a user, not once a window)', () => {
    jest.useFakeTimers();
    const lines: Array<Record<string, unknown>> = [];
    const logger = { info: (_message: string, fields: Record<string, unknown>) => lines.push(fields) } as unknown as Logger;
    const metrics = {
      state: 'running',
      recordsIn: 0,
      lag: { 'user_activity/0': 3, 'user_activity/1': 4 },
      late: { 'page-view-counts': 1, 'active-users': 2 },
      deadLettered: 5,
      commits: 7,
      storeEntries: { 'page-view-counts-store': 12, 'active-users-store': 900, 'session-tracker-store': 800, 'session-tracker-timers': 800 },
    } as unknown as KafkaStreamsMetrics;
    const stop = startStatusLine(logger, 1_000, () => metrics);
    (metrics as { recordsIn: number }).recordsIn = 2_000;
    jest.advanceTimersByTime(1_000);
    stop();
    expect(lines).toEqual([
      { state: 'running', eventsPerSecond: 2_000, records: 2_000, lag: 7, late: { 'page-view-counts': 1, 'active-users': 2 }, deadLettered: 5, openWindows: 12, activeUsersHeld: 900, sessionsHeld: 800, commits: 7 },
    ]);
  });

  it('gives late records per operator, as /metrics does, not their sum: one late page view is late in the page views, the active users and the session tracker, and a sum counted it three times', () => {
    jest.useFakeTimers();
    const lines: Array<Record<string, unknown>> = [];
    const logger = { info: (_message: string, fields: Record<string, unknown>) => lines.push(fields) } as unknown as Logger;
    // What the running pipeline reported after 6,000 records of which 600 were late (the producer's --late-every 10).
    const late = { 'page-view-counts': 322, 'active-users': 599, 'session-tracker': 599 };
    const metrics = { state: 'running', recordsIn: 6_000, lag: {}, late, deadLettered: 0, commits: 1, storeEntries: {} } as unknown as KafkaStreamsMetrics;
    const stop = startStatusLine(logger, 1_000, () => metrics);
    jest.advanceTimersByTime(1_000);
    stop();
    expect(lines[0]!.late).toEqual({ 'page-view-counts': 322, 'active-users': 599, 'session-tracker': 599 });
  });

  it('says how busy each sink thread was since the last line', () => {
    jest.useFakeTimers();
    const lines: Array<Record<string, unknown>> = [];
    const logger = { info: (_message: string, fields: Record<string, unknown>) => lines.push(fields) } as unknown as Logger;
    const metrics = { state: 'running', recordsIn: 0, lag: {}, late: {}, deadLettered: 0, commits: 0, storeEntries: {} } as unknown as KafkaStreamsMetrics;
    let stats: SinkThreadStats = { name: 'sinks', running: true, sinks: 2, busySeconds: 10, uptimeSeconds: 100, heapBytes: 1, heapPeakBytes: 1 };
    const thread = { name: 'sinks', stats: () => stats } as unknown as SinkThread;
    const stop = startStatusLine(logger, 1_000, () => metrics, [thread]);
    stats = { ...stats, busySeconds: 10.75, uptimeSeconds: 101 };
    jest.advanceTimersByTime(1_000);
    stats = { ...stats, busySeconds: 11, uptimeSeconds: 102 };
    jest.advanceTimersByTime(1_000);
    stop();
    expect(lines.map((l) => l.sinkThreadBusy)).toEqual([{ sinks: 0.75 }, { sinks: 0.25 }]);
  });
});
