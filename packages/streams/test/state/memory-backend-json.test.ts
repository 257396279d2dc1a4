import { localBackend, memoryBackend, memorySink, processor, streams, type StateBackend } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { event, sourceOptions, type Event } from '../support/events';

// Durable backends (local files, changelog topics) save state as JSON. The in-memory backend, the
// test driver's default, copied it with structuredClone, which keeps a Date, a Set or Infinity: a
// test of restart() passed on state that production restores as a string, {} and null. It now
// saves what they save.

interface Tally {
  since: Date;
  lowest: number;
  pages: Set<string>;
}

/** 'Date', 'Set', 'String'…, whichever realm made the value (jest runs tests in a realm of their own). */
const kind = (value: unknown) => Object.prototype.toString.call(value).slice(8, -1);

/** Reports, at each record, what the state it reads back is made of. */
const inspector = processor<Event, string, Tally>({
  name: 'inspector',
  process(e, ctx) {
    const held = ctx.state.get();
    ctx.emit(held === undefined ? 'none' : `${kind(held.since)} ${held.lowest} ${kind(held.pages)}`);
    ctx.state.set({ since: new Date(0), lowest: Infinity, pages: new Set([e.page_url]) });
  },
});

async function seenAfterRestart(backend: StateBackend): Promise<string[]> {
  const app = streams({ applicationId: 'memory-backend-json' });
  const sink = memorySink<string>();
  app.source('events', sourceOptions).groupByKey().process(inspector).to(sink);
  const driver = await TopologyTestDriver.create(app, { backend });
  await driver.pipe('events', event(0));
  await driver.restart();
  await driver.pipe('events', event(1));
  return driver.values(sink);
}

describe('the in-memory state backend', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'memory-backend-json-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restores what a durable backend restores, not values JSON cannot hold', async () => {
    const durable = await seenAfterRestart(localBackend({ dir }));
    expect(durable).toEqual(['none', 'String null Object']);
    expect(await seenAfterRestart(memoryBackend())).toEqual(durable);
  });
});
