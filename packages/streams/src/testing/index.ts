/**
 * `@pipeline/streams/testing`: run a topology with no broker, in virtual time.
 * @packageDocumentation
 */
export { TopologyTestDriver, type TestDriverOptions, type PipeOptions } from './test-driver';
export { memorySink, type MemorySink } from '../sinks/memory-sink';
export { VirtualClock } from '../time/clock';
