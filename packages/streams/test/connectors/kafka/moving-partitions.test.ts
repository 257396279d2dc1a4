import { isDeepStrictEqual } from 'node:util';
import { kafkaSink, type KafkaStreams } from '../../../src/connectors/kafka';
import { consumeAll, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';
import { burstyEvents, crashSwitch, expectedTables, movingPartitionsApp, tablesOf, startInstance, type PlacedEvent, type Session } from '../../support/moving-partitions-app';

jest.setTimeout(240_000);

// Two instances of a stateful app (a groupBy through a repartition topic, hopping distinct
// counts, event-time timers before and after it) while partitions move: b joins, a commit fails
// (the instance stops without committing, as a crash leaves it), the instance comes back, the
// other leaves cleanly. Its tables must be those of one uninterrupted run: no window result lost
// or counted twice, every timer's output there, whatever ran where.

const running: KafkaStreams[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

it.each(['at_least_once', 'exactly_once'] as const)('%s: instances joining, failing and leaving give the tables of one uninterrupted run', async (guarantee) => {
  const partitions = 3;
  const input = uniqueName('moving-in');
  const sessionsTopic = uniqueName('moving-sessions');
  await Promise.all([createTopic(input, partitions), createTopic(sessionsTopic, 1)]);
  const events = burstyEvents(900, partitions);
  const send = (part: readonly PlacedEvent[]) => produce(input, part.map(({ event, partition }) => ({ value: JSON.stringify(event), key: event.user_id, partition })));
  const applicationId = uniqueName('moving-app');
  const crash = crashSwitch();
  const app = movingPartitionsApp(applicationId, input, crash.sink, kafkaSink<Session>({ topic: sessionsTopic, key: (s) => s.user }));
  const start = (instanceId: string) => startInstance(app, guarantee, instanceId, running);
  const drained = (...runtimes: KafkaStreams[]) => () =>
    runtimes.every((r) => r.metrics().state === 'running' && r.metrics().assigned.length > 0 && Object.values(r.metrics().lag).every((lag) => lag === 0));
  const readAll = (n: number, ...runtimes: KafkaStreams[]) => () => runtimes.reduce((sum, r) => sum + r.metrics().recordsIn, 0) >= n;

  await send(events.slice(0, 300));
  const a = await start('a');
  await waitFor(drained(a), 60_000, 'a to read the first part');
  const b = await start('b');
  await waitFor(drained(a, b), 60_000, 'b to join');
  await send(events.slice(300, 600));
  await waitFor(() => readAll(600, a, b)() && drained(a, b)(), 60_000, 'a and b to read the second part');

  // The next commit of one of them fails: it stops, and the other takes its partitions.
  crash.arm();
  await send(events.slice(600, 750));
  await waitFor(() => crash.fired && [a, b].some((r) => r.metrics().state === 'failed'), 60_000, 'a commit to fail');
  const [failed, survivor] = a.metrics().state === 'failed' ? [a, b] : [b, a];
  await waitFor(() => survivor.metrics().assigned.filter((p) => p.startsWith(input)).length === partitions && drained(survivor)(), 60_000, 'the survivor to take every partition');

  // The failed instance comes back; then the survivor leaves cleanly.
  const back = await start(failed === a ? 'a' : 'b');
  await waitFor(drained(back, survivor), 60_000, 'the instance to come back');
  const readBefore = back.metrics().recordsIn + survivor.metrics().recordsIn;
  await send(events.slice(750));
  await waitFor(() => readAll(readBefore + 150, back, survivor)() && drained(back, survivor)(), 60_000, 'both to read the last part');
  await survivor.stop();
  await waitFor(() => back.metrics().assigned.filter((p) => p.startsWith(input)).length === partitions && drained(back)(), 60_000, 'the instance back to take every partition');
  // Commits, and watermark records through the repartition topic, then what it holds must stay so.
  const expected = await expectedTables(events, input, partitions);
  await waitFor(() => isDeepStrictEqual(tablesOf(app), expected.tables), 30_000, "the tables to equal the test driver's").catch(() => undefined);
  await back.stop();
  expect(tablesOf(app)).toEqual(expected.tables);
  // The sessions' topic, read committed: exactly once, every session once (its timer fired once,
  // wherever its partition was); at least once, every session, a replay's again.
  const sessionOf = (s: Session) => `${s.user}|${s.start}|${s.end}|${s.count}`;
  const written = (await consumeAll(sessionsTopic, { expected: expected.sessions.length, timeoutMs: 20_000, idleMs: 1_000 })).map((m) => sessionOf(JSON.parse(m.value!.toString()) as Session));
  const once = expected.sessions.map(sessionOf).sort();
  if (guarantee === 'exactly_once') expect(written.sort()).toEqual(once);
  else expect([...new Set(written)].sort()).toEqual(once);
});
