import type { Static, TSchema } from '@sinclair/typebox';
import type { Key } from '../runtime/record';
import { PROCESSING_ERRORS } from '../runtime/processing-failure';
import { parseDuration } from '../time/duration';
import { buildTopology, type Topology } from '../topology/topology';
import { AppGraph } from './app-graph';
import type { SourceOptions } from './options';
import type { SourceStream } from './stream';
import { StreamImpl } from './stream-impl';

export interface StreamsAppOptions {
  /**
   * Names the application: the Kafka consumer group, the prefix of its internal topics and
   * transactional ids, and the folder of its local state. Instances with the same id share work.
   */
  readonly applicationId: string;
}

/** A stream processing application: declare sources, transform them, send results to sinks. */
export interface StreamsApp {
  readonly applicationId: string;

  /**
   * Reads JSON records from a topic, validated against a TypeBox schema.
   * @example
   * const events = app.source('user_activity', {
   *   value: ActivityEvent,
   *   key: (e) => e.user_id,
   *   timestamp: (e) => parseDateTime(e.event_time),
   *   deadLetter: deadLetterSink({ topic: 'user_activity_dlq' }), // from '@pipeline/streams/kafka'
   * }).withWatermark('2m');
   */
  source<S extends TSchema, K extends Key>(topic: string, options: SourceOptions<S, K>): SourceStream<Static<S>, K>;

  /** The physical topology: every node reachable from a sink, split into sub-topologies. */
  topology(): Topology;

  /** The topology as text, with node and store names. */
  describe(): string;
}

/**
 * Starts declaring a streams application.
 * @example
 * const app = streams({ applicationId: 'activity-pipeline' });
 */
export function streams(options: StreamsAppOptions): StreamsApp {
  if (!/^[A-Za-z0-9._-]+$/.test(options.applicationId)) {
    throw new Error(`applicationId '${options.applicationId}' may only contain letters, digits, '.', '_' and '-'`);
  }
  const graph = new AppGraph(options.applicationId);
  return Object.freeze({
    applicationId: options.applicationId,
    source<S extends TSchema, K extends Key>(topic: string, opts: SourceOptions<S, K>): SourceStream<Static<S>, K> {
      if (opts.maxValueBytes !== undefined && !(Number.isSafeInteger(opts.maxValueBytes) && opts.maxValueBytes > 0)) {
        throw new Error(`source '${topic}': maxValueBytes must be a positive whole number of bytes, got ${String(opts.maxValueBytes)}`);
      }
      if (opts.processingErrors !== undefined && !PROCESSING_ERRORS.includes(opts.processingErrors)) {
        throw new Error(`source '${topic}': processingErrors must be ${PROCESSING_ERRORS.map((p) => `'${p}'`).join(' or ')}, got ${String(opts.processingErrors)}`);
      }
      if (opts.processingErrors === 'dead-letter' && opts.deadLetter === undefined) {
        throw new Error(`source '${topic}': processingErrors 'dead-letter' needs a deadLetter sink to send the records to`);
      }
      const node = graph.add({
        kind: 'source' as const,
        name: graph.nameFor('source', opts.name ?? `${topic}-source`),
        topic,
        schema: opts.value,
        key: opts.key as (v: unknown) => unknown,
        timestamp: opts.timestamp as (v: unknown) => number,
        watermarkDelay: 0,
        ...(opts.deadLetter ? { deadLetter: opts.deadLetter } : {}),
        ...(opts.processingErrors !== undefined ? { processingErrors: opts.processingErrors } : {}),
        ...(opts.maxValueBytes !== undefined ? { maxValueBytes: opts.maxValueBytes } : {}),
        ...(opts.maxTimeAhead !== undefined ? { maxTimeAhead: parseDuration(opts.maxTimeAhead, `source '${topic}' maxTimeAhead`) } : {}),
      });
      return new StreamImpl<Static<S>, K>(graph, node);
    },
    topology: () => buildTopology(graph),
    describe: () => buildTopology(graph).describe(),
  });
}
