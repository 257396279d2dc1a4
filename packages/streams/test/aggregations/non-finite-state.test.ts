import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBackend, max, memorySink, min, session, streams, sum, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, type Event } from '../support/events';

// JSON has no Infinity or NaN: a window's max() of Infinity was saved as null, which max() reads as
// "no record yet", so after a restart the window's result forgot it (and a sum() of NaN or
// Infinity started again from the records after the commit). The same stream must give the same
// results whether or not the app restarted in between.

/** A reading per event, from its page: '/inf' is Infinity, '/-inf' -Infinity, '/nan' NaN, else 1. */
const reading = (e: Event) => ({ '/inf': Infinity, '/-inf': -Infinity, '/nan': NaN })[e.page_url] ?? 1;

function app() {
  const a = streams({ applicationId: 'non-finite' });
  const sink = <V>() => memorySink<WindowResult<null, V>>();
  const sinks = { max: sink<number>(), min: sink<number>(), sum: sink<number>(), nanSum: sink<number>() };
  const sessionMax = memorySink<WindowResult<string, number>>();
  const events = a.source('events', sourceOptions).withWatermark('1m');
  const minute = () => events.filter((e) => e.page_url !== '/nan').window(tumbling('1m'));
  minute().aggregate(max(reading), { emit: 'final' }).to(sinks.max);
  minute().aggregate(min(reading), { emit: 'final' }).to(sinks.min);
  minute().aggregate(sum(reading), { emit: 'final' }).to(sinks.sum);
  events.window(tumbling('1m')).aggregate(sum(reading), { emit: 'final' }).to(sinks.nanSum);
  events.filter((e) => e.page_url !== '/nan').groupByKey().window(session('30s')).aggregate(max(reading), { emit: 'final' }).to(sessionMax);
  return { app: a, sinks, sessionMax };
}

const stream = [
  event(0, { page_url: '/inf' }),
  event(1_000, { page_url: '/-inf' }),
  event(2_000, { page_url: '/nan' }),
  // the commit and the restart come here
  event(3_000),
  event(4_000),
  event(3 * MIN), // the watermark passes the first minute's end: its results come out
];

async function results(restartAfter?: number) {
  const dir = await mkdtemp(join(tmpdir(), 'non-finite-'));
  try {
    const { app: a, sinks, sessionMax } = app();
    const driver = await TopologyTestDriver.create(a, { commit: 'manual', backend: localBackend({ dir }) });
    await driver.pipeAll('events', stream.slice(0, restartAfter));
    if (restartAfter !== undefined) {
      await driver.commit();
      await driver.restart();
      await driver.pipeAll('events', stream.slice(restartAfter));
    }
    await driver.commit();
    const windows = Object.fromEntries(Object.entries(sinks).map(([name, s]) => [name, driver.values(s).map((r) => r.value)]));
    return { ...windows, sessionMax: driver.values(sessionMax).map((r) => r.value) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

it('keeps Infinity, -Infinity and NaN in saved window and session state: a restart changes no result', async () => {
  const straight = await results();
  expect(straight).toEqual({ max: [Infinity], min: [-Infinity], sum: [NaN], nanSum: [NaN], sessionMax: [Infinity] });
  expect(await results(3)).toEqual(straight);
});
