import type { Timer } from '../operators/keyed-processor';
import { deadLetterOf, type DeadLetter } from '../sources/dead-letter';
import { isoTime } from '../time/iso-time';
import type { RawRecord, StreamRecord } from './record';

/**
 * The record read from Kafka that `record` was made from by stateless steps (it carries its
 * position, and no stateful operator emitted it), or undefined: a window's result, a processor's
 * output or timer, made as time moved or at a commit.
 */
export function readRecordOf(reading: RawRecord | undefined, record: StreamRecord): RawRecord | undefined {
  if (reading === undefined) return undefined;
  const { origin } = record;
  return origin.emitted !== true && origin.offset === reading.offset && origin.partition === reading.partition && origin.topic === reading.topic ? reading : undefined;
}

/**
 * The dead letter of a failure: the record read from Kafka (`read`), as read, so that it can be
 * produced again once the code is fixed; without one, the failing record itself, its key and value
 * as JSON, offset -1 (replaying the input would apply it to the state a second time). `topic`:
 * the source whose dead letters take it.
 */
export function failedRecordLetter(read: RawRecord | undefined, record: StreamRecord, topic: string, reason: string): DeadLetter {
  if (read !== undefined) return deadLetterOf(read, reason);
  return {
    reason,
    topic,
    partition: record.origin.partition,
    offset: -1,
    key: Buffer.from(JSON.stringify(record.key)),
    value: Buffer.from(asJson(record.value)),
  };
}

/** The failing record, for a message: the record read, a processor's timer, or a record a stateful operator made. */
export function describeFailedRecord(read: RawRecord | undefined, record: StreamRecord, timer?: Timer): string {
  if (timer !== undefined) return `its ${timer.type} timer '${timer.name}' at ${isoTime(timer.time)} of key ${asJson(record.key)}`;
  if (read !== undefined) return `the record at ${read.topic} partition ${read.partition} offset ${read.offset}`;
  return `a record made by a stateful operator above (key ${asJson(record.key)}, event time ${isoTime(record.timestamp)})`;
}

/** A value as JSON text, or, for one JSON cannot write (a BigInt, a cycle), as `String` writes it. */
function asJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}
