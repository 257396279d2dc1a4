import { count, createLogger, localBackend, memoryBackend, memorySink, streams, tumbling, VirtualClock } from '../../../src';
import { KafkaStreams, type KafkaStreamsOptions } from '../../../src/connectors/kafka';
import { sourceOptions } from '../../support/events';

// No broker: the options are checked when the runtime is built, before it connects.

function app() {
  const a = streams({ applicationId: 'check-options' });
  a.source('events', sourceOptions).window(tumbling('1m')).aggregate(count()).to(memorySink());
  return a;
}

const build = (options: Record<string, unknown>) => () => new KafkaStreams(app(), options as unknown as KafkaStreamsOptions);

describe('KafkaStreams options', () => {
  it('takes every option a TypeScript user can write', () => {
    expect(
      build({
        connection: { brokers: '127.0.0.1:9092', clientId: 'x', config: { 'socket.timeout.ms': 1000, 'enable.ssl.certificate.verification': false } },
        processingGuarantee: 'exactly_once',
        stateDir: '/tmp/state',
        commitInterval: '1s',
        autoOffsetReset: 'latest',
        idleTimeout: 5000,
        batchSize: 100,
        maxBufferedRecords: 1000,
        scaling: 'multi-instance',
        replicationFactor: 3,
        repartitionRetention: '2d',
        instanceId: 'host-1',
        stateBackend: memoryBackend(),
        logger: createLogger({ level: 'error' }),
        clock: new VirtualClock(),
      }),
    ).not.toThrow();
    expect(build({ connection: { brokers: 'b:9092' }, stateBackend: localBackend({ dir: '/tmp/check-options-state' }), clock: { now: () => 0 } })).not.toThrow();
  });

  it('names every wrong or unknown option, with what it must be', () => {
    expect(
      build({
        connection: { brokers: '', port: 9092 },
        processingGuarantee: 'exactly-once',
        scaling: 'multi_instance',
        batchSize: -5,
        maxBufferedRecords: Number.NaN,
        autoOffsetReset: 'begin',
        commitInterva: '1s',
      }),
    ).toThrow(
      [
        'KafkaStreams: invalid options:',
        "  - connection.brokers must be a comma-separated 'host:port' list, got ''",
        "  - processingGuarantee must be one of 'at_least_once', 'exactly_once', got 'exactly-once'",
        "  - autoOffsetReset must be one of 'earliest', 'latest', got 'begin'",
        '  - batchSize must be a positive integer, got -5',
        '  - maxBufferedRecords must be a positive integer, got NaN',
        "  - scaling must be one of 'single-instance', 'multi-instance', got 'multi_instance'",
        '  - commitInterva is not an option',
        '  - connection.port is not an option',
      ].join('\n'),
    );
  });

  it('names a state backend, logger or clock that is not one, with what it must be', () => {
    // Taken as anything, a path given as the backend failed at start, after connecting, with
    // 'this.options.backend.restore is not a function'; a logger given as a level, at its first line.
    expect(build({ connection: { brokers: 'b:9092' }, stateBackend: './data/state', logger: 'debug', clock: 5 })).toThrow(
      [
        'KafkaStreams: invalid options:',
        "  - stateBackend must be a state backend (localBackend(), memoryBackend(), or one of your own with restore, prepare, finalize, prepared, lastCommitId and close), got './data/state'",
        "  - logger must be a logger with error, warn, info, debug and child (any winston logger), got 'debug'",
        '  - clock must be a clock with now(), got 5',
      ].join('\n'),
    );
    expect(build({ connection: { brokers: 'b:9092' }, logger: console })).toThrow('logger must be a logger with error, warn, info, debug and child (any winston logger), got an object without child');
    expect(build({ connection: { brokers: 'b:9092' }, stateBackend: { restore: () => undefined } })).toThrow('without prepare, finalize, prepared, lastCommitId, close');
  });

  it("names a librdkafka property by its key, with the values it may have", () => {
    expect(build({ connection: { brokers: 'b:9092', config: { 'socket.timeout.ms': null, 'client.rack': { zone: 'a' } } } })).toThrow(
      [
        'KafkaStreams: invalid options:',
        "  - connection.config['socket.timeout.ms'] must be a string, number or boolean, got null",
        "  - connection.config['client.rack'] must be a string, number or boolean, got object",
      ].join('\n'),
    );
  });

  it('names a missing connection, and a duration it cannot read', () => {
    expect(build({})).toThrow('connection is required');
    expect(build({ connection: { brokers: 'b:9092' }, commitInterval: 'soon' })).toThrow(/commitInterval/);
  });
});

describe('connection.brokers', () => {
  const withBrokers = (brokers: string) => build({ connection: { brokers } });

  it('takes what librdkafka takes: host, host:port, [IPv6]:port, bare IPv6, a protocol prefix and path, spaces and empty entries', () => {
    for (const brokers of [
      'kafka',
      'b:9092',
      'b1:9092, b2:9093',
      '[::1]:9092',
      'SSL://b:9093,PLAINTEXT://c',
      '10.0.0.1:1',
      'b:65535',
      'b:9092,',
      'fd00::a',
      '2001:db8::beef',
      '::ffff:10.0.0.1',
      'PLAINTEXT://kafka:9092/',
      'SASL_SSL://kafka:9093/',
      'my_broker:9092',
    ]) {
      expect(withBrokers(brokers)).not.toThrow();
    }
  });

  it('refuses a port librdkafka would take modulo 65536 or as a service name, and a list of no broker, naming the entry', () => {
    expect(withBrokers('127.0.0.1:90920')).toThrow("connection.brokers must be a comma-separated 'host:port' list (port 1-65535), got '127.0.0.1:90920': port 90920 is out of range");
    expect(withBrokers('b:0')).toThrow("got 'b:0': port 0 is out of range");
    expect(withBrokers(' , ')).toThrow("got ' , ': it names no broker");
    expect(withBrokers(':9092')).toThrow("got ':9092': ':9092' has no host");
    expect(withBrokers('b:90x2')).toThrow("got 'b:90x2': port '90x2' is not a number");
    expect(withBrokers('b:')).toThrow("got 'b:': port '' is not a number");
    expect(withBrokers('b 9092')).toThrow("got 'b 9092': 'b 9092' has a space in it");
    expect(withBrokers('[::1:9092')).toThrow("got '[::1:9092': '[::1:9092' has an unclosed '['");
  });
});
