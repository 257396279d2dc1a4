import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Type } from '@sinclair/typebox';
import { memorySink, streams, type DeadLetter } from '../../src';
import { TopologyTestDriver } from '../../src/testing';

// A source's `timestamp` may read a number from the record (epoch ms, as many producers send it).
// A finite number outside what a Date can hold (±8.64e15 ms; a producer that sends nanoseconds
// sends ~1.7e18) is dead-lettered. Before, it was neither dead-lettered nor handled:
// - with `maxTimeAhead`, the decoder formatted it with `new Date(t).toISOString()` for the reason
//   and threw RangeError: the engine failed on the record, and every restart read it again;
// - without it, a time of 2^69 ms or more put `assignWindows` in an endless loop (`s += advance`
//   no longer changes `s`): one record stalled the engine thread for good.

jest.setTimeout(30_000);

const Reading = Type.Object({ ts: Type.Number(), user_id: Type.String() });
const JAN_2024 = Date.UTC(2024, 0, 1);

it('dead-letters an event time in nanoseconds (beyond a Date) under maxTimeAhead, instead of throwing', async () => {
  const app = streams({ applicationId: 'nanosecond-time' });
  const deadLetters = memorySink<DeadLetter>();
  const out = memorySink<unknown>();
  app
    .source('readings', { value: Reading, key: (r) => r.user_id, timestamp: (r) => r.ts, maxTimeAhead: '10m', deadLetter: deadLetters })
    .withWatermark('1m')
    .to(out);
  const driver = await TopologyTestDriver.create(app, { wallClockStart: JAN_2024 });
  await driver.pipe('readings', { ts: JAN_2024 * 1_000_000, user_id: 'u1' }); // epoch nanoseconds
  await driver.pipe('readings', { ts: JAN_2024, user_id: 'u1' });
  expect(driver.values(deadLetters).map((l) => l.reason)).toEqual([expect.stringMatching(/outside the years 0 to 9999/)]);
  expect(driver.values(out)).toHaveLength(1);
});

it('dead-letters an event time of 1e21 ms with no maxTimeAhead, instead of looping for ever', () => {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const run = spawnSync(process.execPath, ['--conditions=@pipeline/source', '--import', tsx, join(__dirname, 'fixtures/huge-event-time-app.ts'), '1e21'], {
    cwd: join(__dirname, '../..'),
    encoding: 'utf8',
    timeout: 15_000,
    killSignal: 'SIGKILL',
  });
  const outcome = run.signal === 'SIGKILL' ? 'still running after 15 s (killed)' : `exit ${String(run.status)}: ${run.stdout}${run.stderr.slice(0, 500)}`;
  expect(outcome).toMatch(/^exit 0: /);
  expect(JSON.parse(run.stdout)).toEqual({ reasons: [expect.stringMatching(/outside the years 0 to 9999/)], counts: 1 });
});
