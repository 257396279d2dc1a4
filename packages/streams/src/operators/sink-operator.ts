import type { SinkRecord } from '../sinks/sink';
import type { Operator } from './operator';

/**
 * Hands records to a sink's buffer; the engine writes buffers to the sink after each batch. A
 * stream record is a sink record as it is (records are never changed once made): no copy per
 * record.
 */
export function sinkOperator(push: (record: SinkRecord<unknown>) => void): Operator {
  return { process: push };
}
