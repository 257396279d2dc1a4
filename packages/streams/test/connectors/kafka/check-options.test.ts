import { count, memorySink, streams, tumbling } from '../../../src';
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
      }),
    ).not.toThrow();
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

  it('names a missing connection, and a duration it cannot read', () => {
    expect(build({})).toThrow('connection is required');
    expect(build({ connection: { brokers: 'b:9092' }, commitInterval: 'soon' })).toThrow(/commitInterval/);
  });
});
