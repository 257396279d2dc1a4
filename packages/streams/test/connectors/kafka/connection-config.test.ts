import { count, memorySink, streams, tumbling } from '../../../src';
import { KafkaStreams, runtimeConsumerConfig, type KafkaStreamsOptions } from '../../../src/connectors/kafka';
import { producerConfig } from '../../../src/connectors/kafka/kafka-producer';
import { sourceOptions } from '../../support/events';

// `connection.config` is passed to librdkafka as it is: it overrides the runtime's own tuning,
// and the properties the runtime's guarantees rest on are refused at start instead of being
// silently overwritten. No broker: the settings are built and checked before any connection.

const connection = (config: Record<string, string | number | boolean>) => ({ brokers: '127.0.0.1:9092', config });

describe('connection.config', () => {
  it("overrides the runtime consumer's tuning, and keeps what the runtime fixes", () => {
    const config = runtimeConsumerConfig(connection({ 'session.timeout.ms': 45_000, 'heartbeat.interval.ms': 3_000, 'queued.min.messages': 1_000, 'group.instance.id': 'a' }), 'app');
    expect(config).toMatchObject({
      'session.timeout.ms': 45_000,
      'heartbeat.interval.ms': 3_000,
      'queued.min.messages': 1_000,
      'group.instance.id': 'a',
      'fetch.queue.backoff.ms': 50, // a default not overridden stays
      'group.id': 'app',
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      'partition.assignment.strategy': 'range',
      'enable.partition.eof': true,
    });
    expect(runtimeConsumerConfig(connection({}), 'app')).toMatchObject({ 'session.timeout.ms': 10_000, 'heartbeat.interval.ms': 2_000 });
  });

  it("overrides the producer's tuning and transaction timeout, and keeps idempotence and the transactional id", () => {
    const config = producerConfig({ connection: connection({ 'transaction.timeout.ms': 15_000, 'linger.ms': 20, 'compression.type': 'zstd' }), clientId: 'p', transactionalId: 'app-a' });
    expect(config).toMatchObject({ 'transaction.timeout.ms': 15_000, 'linger.ms': 20, 'compression.type': 'zstd', 'enable.idempotence': true, 'transactional.id': 'app-a', 'delivery.report.only.error': true });
    expect(producerConfig({ connection: connection({}), clientId: 'p', transactionalId: 'app-a' })).toMatchObject({ 'transaction.timeout.ms': 60_000, 'linger.ms': 5 });
    expect(producerConfig({ connection: connection({}), clientId: 'p' })).not.toHaveProperty('transaction.timeout.ms');
  });

  it('refuses, at start and naming each, the properties the runtime sets itself', () => {
    const app = streams({ applicationId: 'connection-config' });
    app.source('events', sourceOptions).window(tumbling('1m')).aggregate(count()).to(memorySink());
    const build = (config: Record<string, string | number | boolean>) => () => new KafkaStreams(app, { connection: connection(config) } as KafkaStreamsOptions);
    expect(build({ 'enable.auto.commit': true, 'isolation.level': 'read_uncommitted', 'session.timeout.ms': 30_000 })).toThrow(
      new RangeError(
        'KafkaStreams: invalid options:\n' +
          "  - connection.config['enable.auto.commit'] cannot be set, remove it: offsets are committed by the runtime, after the sinks have flushed\n" +
          "  - connection.config['isolation.level'] cannot be set, remove it: the runtime reads 'read_committed', which exactly-once and the restore of state rely on",
      ),
    );
    expect(build({ 'partition.assignment.strategy': 'cooperative-sticky' })).toThrow(/connection\.config\['partition\.assignment\.strategy'\] cannot be set, remove it: .*'range'/);
    expect(build({ 'group.id': 'other' })).toThrow(/connection\.config\['group\.id'\] cannot be set, remove it: it is the applicationId/);
    expect(build({ 'auto.offset.reset': 'latest' })).toThrow(/connection\.config\['auto\.offset\.reset'\] cannot be set, remove it: the runtime's autoOffsetReset option sets it/);
    expect(build({ 'bootstrap.servers': 'kafka:9092' })).toThrow(/connection\.config\['bootstrap\.servers'\] cannot be set, remove it: it is connection\.brokers/);
    expect(build({ 'session.timeout.ms': 30_000, 'security.protocol': 'ssl' })).not.toThrow();
  });
});
