import type { DeadLetter } from '../sources/dead-letter';
import type { Node } from '../topology/nodes';
import type { RawRecord, StreamRecord } from './record';

/** What a source does when the application's code throws on one of its records. */
export type ProcessingErrors = 'stop' | 'dead-letter';

/**
 * The application's code threw while an operator handled a record: the app stops with this error.
 * Its message names the operator and the record, then gives the code's own message; the code's
 * error is its `cause`.
 */
export class ProcessingFailure extends Error {
  constructor(
    readonly node: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'ProcessingFailure';
  }
}

/**
 * Whether an error is the machine's, not the record's: a state store's SQLite file that failed
 * (a full disk), or a system call that did. Set aside as the record's, every record would go to
 * the dead letters while the state that should have held them is lost; such errors stop the app
 * whatever the source says.
 */
export function isSystemFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'SqliteError' || typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** The operator's kind and name, as messages and reasons name it. */
export function operatorLabel(node: Node): string {
  return `${node.kind} '${node.name}'`;
}

/**
 * The record behind a failure: the record read from Kafka, when the failing record was made from
 * it by stateless steps (its value as read, so it can be produced again once the code is fixed);
 * otherwise (a window's result, what a keyed processor emitted or its timer, made as time moved or
 * at a commit) the failing record itself, its key and value as JSON, offset -1: replaying the
 * input would apply it to the state a second time.
 */
export function failedRecordLetter(
  reading: RawRecord | undefined,
  record: StreamRecord,
  topic: string,
  reason: string,
): DeadLetter {
  const { origin } = record;
  if (reading !== undefined && isMadeFrom(reading, record)) {
    return {
      reason,
      topic: reading.topic,
      partition: reading.partition,
      offset: reading.offset,
      key: reading.key,
      value: reading.value,
      ...(reading.timestamp !== undefined ? { timestamp: reading.timestamp } : {}),
      ...(reading.headers !== undefined ? { headers: reading.headers } : {}),
    };
  }
  return {
    reason,
    topic,
    partition: origin.partition,
    offset: -1,
    key: Buffer.from(JSON.stringify(record.key)),
    value: Buffer.from(asJson(record.value)),
  };
}

/** An epoch-ms time as ISO text, or as the number it is when no date has it. */
export function isoTime(time: number): string {
  return Number.isFinite(time) && Math.abs(time) <= 8.64e15 ? new Date(time).toISOString() : String(time);
}

/** A value as JSON text, or, for one JSON cannot write (a BigInt, a cycle), as `String` writes it. */
function asJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

/** Whether stateless steps made `record` from the record read from Kafka (it carries its position, and no stateful operator emitted it). */
export function isMadeFrom(reading: RawRecord, record: StreamRecord): boolean {
  const { origin } = record;
  return origin.emitted !== true && origin.offset === reading.offset && origin.partition === reading.partition && origin.topic === reading.topic;
}

/** Where a failing record came from, for a message (`what`: how the operator names it, a timer). */
export function describeRecord(reading: RawRecord | undefined, record: StreamRecord, what?: string): string {
  if (what !== undefined) return what;
  if (reading !== undefined && isMadeFrom(reading, record)) {
    return `the record at ${reading.topic} partition ${reading.partition} offset ${reading.offset}`;
  }
  return `a record made by a stateful operator above (key ${asJson(record.key)}, event time ${isoTime(record.timestamp)})`;
}
