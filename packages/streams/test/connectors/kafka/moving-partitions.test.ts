import { isDeepStrictEqual } from 'node:util';
import { kafkaSink, type KafkaStreams } from '../../../src/connectors/kafka';
import { consumeAll, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';
import { burstyEvents, crashSwitch, expectedTables, movingPartitionsApp, moveThroughScenario, tablesOf, startInstance, type PlacedEvent, type Session } from '../../support/moving-partitions-app';

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
  const { back } = await moveThroughScenario({ input, partitions, events, send, start, crash });
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
