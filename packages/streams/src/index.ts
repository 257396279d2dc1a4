/**
 * `@pipeline/streams`: typed, event-time stream processing on Kafka.
 *
 * The whole public API of the core is exported here. Connectors live behind their own subpaths so
 * that importing the core loads nothing native: `@pipeline/streams/kafka`, `/postgres`, `/parquet`;
 * the test driver is `@pipeline/streams/testing`.
 * @packageDocumentation
 */

// Declaring a topology
export { streams, type StreamsApp, type StreamsAppOptions } from './dsl/streams-app';
export type { Stream, SourceStream, StatefulStream } from './dsl/stream';
export type { GroupedStream, WindowedStream, SessionWindowedStream } from './dsl/grouped-stream';
export type { NodeOptions, SourceOptions, AggregateOptions, ProcessOptions } from './dsl/options';

// Windows
export { tumbling, type TumblingWindows } from './windows/tumbling';
export { hopping, type HoppingWindows } from './windows/hopping';
export { session, type SessionWindows } from './windows/session';
export type { TimeWindow, FixedWindows, WindowDefinition, WindowResult } from './windows/window';

// Aggregations
export { aggregator, type Aggregator, type MergeableAggregator, type StrictAggregator } from './aggregations/aggregator';
export { count } from './aggregations/count';
export { sum } from './aggregations/sum';
export { min, max } from './aggregations/min-max';
export { countDistinct, type DistinctCounter } from './aggregations/count-distinct';
export { approxCountDistinct } from './aggregations/approx-count-distinct';
export { HyperLogLog } from './aggregations/hyperloglog';
export { reduce } from './aggregations/reduce';

// Stateful processing
export {
  processor,
  type KeyedProcessor,
  type ProcessorContext,
  type KeyState,
  type KeyTimers,
  type Timer,
} from './operators/keyed-processor';

// State
export type { StateStore, KeyValueStore, WindowStore, StoreFactory } from './state/state-store';
export { inMemoryStores } from './state/in-memory-stores';
export { InMemoryKeyValueStore } from './state/in-memory-key-value-store';
export { InMemoryWindowStore } from './state/in-memory-window-store';
export type { ClaimOptions, StateBackend, TaskCheckpoint, TaskSnapshot, TaskChanges } from './state/backends/state-backend';
export { DirectoryInUseError } from './state/backends/directory-lock';
export { memoryBackend } from './state/backends/memory-backend';
export { localBackend, type LocalBackendOptions } from './state/backends/local-backend';

// Sources and sinks
export type { Sink, SinkWriter, SinkRecord, SinkContext, CommitInfo } from './sinks/sink';
export { memorySink, type MemorySink } from './sinks/memory-sink';
export { busyShare, sinkThread, type SinkThread, type SinkThreadOptions, type SinkThreadStats, type ThreadedSinkOptions, type SinkFactory } from './sinks/thread/sink-thread';
export { closingWith } from './sinks/closing-with';
export type { DeadLetter } from './sources/dead-letter';
export { PROCESSING_ERRORS, ProcessingFailure, type ProcessingErrors } from './runtime/processing-failure';

// Running
export { Engine, type EngineOptions, type Assignment } from './runtime/engine';
export type { EngineMetrics } from './runtime/metrics';
export type { Key, Origin, StreamRecord, RawRecord, PartitionOffset } from './runtime/record';
export type { Topology, Subtopology } from './topology/topology';

// Utilities
export { parseDuration, formatDuration, type Duration } from './time/duration';
export { parseDateTime } from './time/date-time';
export { systemClock, VirtualClock, type Clock } from './time/clock';
export { createLogger, silentLogger, type Logger, type LoggerOptions, type LogFormat } from './logging/logger';
export { logProcessWarnings } from './logging/process-warnings';
export type { Json, Codec } from './util/json';
