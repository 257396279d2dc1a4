import { formatDuration } from '../../time/duration';
import { rootSourceOf, type Topology } from '../../topology/topology';

/** `log.message.timestamp.after.max.ms`'s default since Kafka 4.0. */
export const BROKER_MAX_TIMESTAMP_AHEAD_MS = 3_600_000;

/** A Kafka sink fed from a source whose event times may be further ahead than the broker takes: no `maxTimeAhead`, or one of the broker's hour or more. */
export interface TimestampRisk {
  readonly source: string;
  readonly sinkTopic: string;
  /** The source's bound, when it has one (over the broker's default). */
  readonly maxTimeAhead?: number;
}

/**
 * The Kafka sinks whose records can carry a timestamp the broker refuses. A Kafka sink writes a
 * record's event time as its Kafka timestamp, and Kafka (4.0 on) refuses a timestamp more than
 * `log.message.timestamp.after.max.ms` (default 1 h) ahead of the broker's clock: one record
 * from a device with a fast clock stopped the runtime, at every restart, unless its source has a
 * `maxTimeAhead` under that bound (it judges event times against the record's Kafka timestamp,
 * or the wall clock when that is earlier, so the records it takes are never more than the bound
 * ahead of the clock). Dead letters keep the timestamp the input topic took.
 * @example for (const s of timestampRisks(topology)) logger.warn('…', s);
 */
export function timestampRisks(topology: Topology): TimestampRisk[] {
  const found: TimestampRisk[] = [];
  for (const node of topology.sinks) {
    if (node.sink.kind !== 'kafka') continue;
    const source = rootSourceOf(node);
    if (source.maxTimeAhead === undefined) found.push({ source: source.topic, sinkTopic: node.sink.target });
    else if (source.maxTimeAhead >= BROKER_MAX_TIMESTAMP_AHEAD_MS) found.push({ source: source.topic, sinkTopic: node.sink.target, maxTimeAhead: source.maxTimeAhead });
  }
  return found;
}

/** The start-time warning about one risk: which sink, which source, and why it matters. */
export function describeTimestampRisk({ source, sinkTopic, maxTimeAhead }: TimestampRisk): string {
  const bound = maxTimeAhead === undefined ? 'has no maxTimeAhead' : `has a maxTimeAhead of ${formatDuration(maxTimeAhead)}`;
  return (
    `kafka sink ${sinkTopic} writes event times as Kafka timestamps, and source ${source} ${bound}: ` +
    'the broker refuses a timestamp more than log.message.timestamp.after.max.ms (default 1h) ahead of its clock, ' +
    'and one such record would stop the runtime at every restart'
  );
}
