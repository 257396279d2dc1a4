import type { SinkRecord } from '../sinks/sink';
import type { Operator } from './operator';

/** Hands records to a sink's buffer; the engine writes buffers to the sink after each batch. */
export function sinkOperator(push: (record: SinkRecord<unknown>) => void): Operator {
  return {
    process: (r) =>
      push(
        r.retract
          ? { value: r.value, timestamp: r.timestamp, key: r.key, origin: r.origin, retract: true }
          : { value: r.value, timestamp: r.timestamp, key: r.key, origin: r.origin },
      ),
  };
}
