import { rootSourceOf, type Topology } from '../../topology/topology';

/** A Kafka sink fed from a source with no bound on how far ahead of the clock its event times may be. */
export interface UnboundedTimestamps {
  readonly source: string;
  readonly sinkTopic: string;
}

/**
 * The Kafka sinks whose records can carry a timestamp the broker refuses. A Kafka sink writes a
 * record's event time as its Kafka timestamp, and Kafka (4.0 on) refuses a timestamp more than
 * `log.message.timestamp.after.max.ms` (default 1 h) ahead of the broker's clock: one record
 * from a device with a fast clock stopped the runtime, at every restart, unless its source has a
 * `maxTimeAhead` under that bound. Dead letters keep the timestamp the input topic took.
 * @example for (const s of unboundedTimestamps(topology)) logger.warn('…', s);
 */
export function unboundedTimestamps(topology: Topology): UnboundedTimestamps[] {
  const found: UnboundedTimestamps[] = [];
  for (const node of topology.sinks) {
    if (node.sink.kind !== 'kafka') continue;
    const source = rootSourceOf(node);
    if (source.maxTimeAhead === undefined) found.push({ source: source.topic, sinkTopic: node.sink.target });
  }
  return found;
}
