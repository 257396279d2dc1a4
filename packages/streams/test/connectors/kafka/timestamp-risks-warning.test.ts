import { memoryBackend, streams } from '../../../src';
import { kafkaSink, KafkaStreams } from '../../../src/connectors/kafka';
import { sourceOptions } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, uniqueName } from '../../support/kafka';
import { recordingLogger } from '../../support/recording-logger';

jest.setTimeout(60_000);

const topics = scratchTopics();
afterEach(() => topics.dropAll());

// A Kafka sink writes event times as Kafka timestamps, which the broker refuses more than an hour
// ahead of its clock: a source that feeds one with no maxTimeAhead (or one over the hour) can stop
// the runtime at every restart. The runtime says so at start, once for each such sink.

it('warns at start about each Kafka sink fed from a source with no maxTimeAhead, or one over the broker’s hour, and not about bounded ones', async () => {
  const [unbounded, beyond, bounded, out] = [uniqueName('ts-unbounded'), uniqueName('ts-beyond'), uniqueName('ts-bounded'), uniqueName('ts-out')];
  await Promise.all([unbounded, beyond, bounded, out].map((t) => topics.create(t, 1)));
  const app = streams({ applicationId: uniqueName('ts-warning') });
  app.source(unbounded, sourceOptions).to(kafkaSink({ topic: out }));
  app.source(beyond, { ...sourceOptions, maxTimeAhead: '2h' }).to(kafkaSink({ topic: out }));
  app.source(bounded, { ...sourceOptions, maxTimeAhead: '10m' }).to(kafkaSink({ topic: out }));
  const { logger, lines } = recordingLogger();
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: memoryBackend(), logger });
  await runtime.start();
  await runtime.stop();

  const about = lines.filter((l) => l.level === 'warn' && l.message.includes('writes event times as Kafka timestamps'));
  expect(about.map((w) => w.fields)).toEqual([
    { source: unbounded, sinkTopic: out },
    { source: beyond, sinkTopic: out },
  ]);
  expect(about[0]!.message).toContain(`source ${unbounded} has no maxTimeAhead`);
  expect(about[1]!.message).toContain(`source ${beyond} has a maxTimeAhead of 2h`);
});
