import { memoryRows } from '../src/rows';
import type { MemoryResult } from '../src/steps/memory';

const MB = 1024 * 1024;

function memoryResult(users: number, maxRss: number, withinTarget: boolean | undefined): MemoryResult {
  return {
    users,
    events: users * 2,
    preloadRate: 100_000,
    rate: 15_000,
    openSessions: users,
    sessionRows: users,
    maxActiveUsers: users,
    targetBytes: 500 * MB,
    withinTarget,
    pipeline: { maxRss, sampledPeakRss: maxRss, peakHeapUsed: maxRss / 2, peakStoreEntries: { sessions: users }, seconds: 10 } as unknown as MemoryResult['pipeline'],
  };
}

describe('memory rows', () => {
  it.each([
    [1_000_000, 1_259 * MB, false, 'maxRSS 1,259 MB (target < 500 MB: NOT met)'],
    [1_000_000, 480 * MB, true, 'maxRSS 480 MB (target < 500 MB: met)'],
    [100_000, 401 * MB, undefined, 'maxRSS 401 MB (the target, < 500 MB, is for 1,000,000 users)'],
  ])('%d users at %d bytes: says whether the target is met only at a million users', (users, rss, within, note) => {
    expect(memoryRows(memoryResult(users, rss, within))[0]!.note).toMatch(new RegExp(`^${note.replace(/[()]/g, '\\$&')};`));
  });
});
