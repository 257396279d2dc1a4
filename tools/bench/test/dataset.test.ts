import { Dataset, mainDatasetSpec, partitionOf } from '../src/dataset';
import { memoryEvents } from '../src/steps/memory';
import { EVENTS_START_MS } from '../src/event-start';

describe('Dataset', () => {
  const dataset = Dataset.generate(mainDatasetSpec(20_000));

  it('holds the producer simulation as bytes, with per-partition offsets in order', () => {
    expect(dataset.count).toBe(20_000);
    expect(dataset.invalid).toBe(2); // one in 10,000
    expect(dataset.partitionSizes.reduce((a, b) => a + b, 0)).toBe(20_000);
    const next = [0, 0, 0];
    for (const r of dataset.rawBatch('t', 0, dataset.count)) {
      expect(r.offset).toBe(next[r.partition]!++);
      expect(r.partition).toBe(partitionOf(r.key!.toString(), 3));
    }
  });

  it('gives back each record as it was generated', () => {
    const first = JSON.parse(dataset.value(0).toString()) as { user_id: string; event_time: string };
    expect(first.user_id).toBe(dataset.keyString(0));
    expect(first.event_time).toBe(new Date(EVENTS_START_MS).toISOString());
    expect(EVENTS_START_MS % 3_600_000).toBe(0);
  });
});

describe('memoryEvents', () => {
  it('gives every user a session_start and a page_view a minute later, in event-time order', () => {
    const events = [...memoryEvents(1000, 1)].map((r) => JSON.parse(r.value) as { event_time: string; user_id: string; event_type: string });
    expect(events).toHaveLength(2000);
    const times = events.map((e) => Date.parse(e.event_time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(events.filter((e) => e.event_type === 'session_start').map((e) => e.user_id)).size).toBe(1000);
    expect(new Set(events.filter((e) => e.event_type === 'page_view').map((e) => e.user_id)).size).toBe(1000);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(5 * 60_000);
  });
});
