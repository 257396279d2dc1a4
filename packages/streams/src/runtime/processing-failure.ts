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

/** Errors of the engine's own that reach an operator's `process`, and stop the app whatever the source says. */
const stopping = new WeakSet<object>();

/**
 * Marks an error the engine raises while an operator handles a record that is not the record's
 * fault but the topology's (what it asks cannot be done): dead-lettered, every such record would
 * go, one by one.
 */
export function stopsTheAppWith<E extends Error>(error: E): E {
  stopping.add(error);
  return error;
}

export function stopsTheApp(error: unknown): boolean {
  return typeof error === 'object' && error !== null && stopping.has(error);
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
  if (reading !== undefined && origin.emitted !== true && origin.offset === reading.offset && origin.partition === reading.partition && origin.topic === reading.topic) {
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

/** A value as JSON text, or, for one JSON cannot write (a BigInt, a cycle), as `String` writes it. */
function asJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

/** Where a failing record came from, for a message. */
export function describeRecord(reading: RawRecord | undefined, record: StreamRecord): string {
  const { origin } = record;
  if (reading !== undefined && origin.emitted !== true && origin.offset === reading.offset && origin.partition === reading.partition && origin.topic === reading.topic) {
    return `the record at ${reading.topic} partition ${reading.partition} offset ${reading.offset}`;
  }
  const time = Number.isFinite(record.timestamp) && Math.abs(record.timestamp) <= 8.64e15 ? new Date(record.timestamp).toISOString() : String(record.timestamp);
  return `a record made by a stateful operator above (key ${asJson(record.key)}, event time ${time})`;
}
