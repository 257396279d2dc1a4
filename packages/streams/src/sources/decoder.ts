import { isUtf8 } from 'node:buffer';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { keyProblem } from '../runtime/key-problem';
import type { RawRecord } from '../runtime/record';
import type { SourceNode } from '../topology/nodes';
import { formatDuration } from '../time/duration';
import { kafkaKeyProblem } from './kafka-key-check';
import { registerStandardFormats } from './formats';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth';
import { isoTime } from '../time/iso-time';

/**
 * Event times a record may have: years 0 to 9999, what ISO 8601's four-digit years, PostgreSQL and
 * Parquet timestamps write. Epoch microseconds (~1.7e15 now) and nanoseconds are far beyond, and
 * a window end past the last one still fits a Date (which ends at 8.64e15).
 */
const FIRST_EVENT_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const LAST_EVENT_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

export type Decoded =
  | { readonly ok: true; readonly value: unknown; readonly key: unknown; readonly timestamp: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Turns a source's raw bytes into a typed record: a size check (maxValueBytes), UTF-8, JSON (at
 * most MAX_JSON_DEPTH deep), the TypeBox schema (compiled once), then the key (and, with
 * `checkKafkaKey`, that it is the record's Kafka key) and the event time (years 0 to 9999, then
 * maxTimeAhead). Anything that fails says why, for the dead-letter record.
 */
export function createDecoder(source: SourceNode, checkKafkaKey: boolean): (raw: RawRecord, now: number) => Decoded {
  registerStandardFormats();
  const check = TypeCompiler.Compile(source.schema);
  const { key: keyOf, timestamp: timeOf, maxValueBytes, maxTimeAhead } = source;
  return (raw, now) => {
    if (raw.value === null) return { ok: false, reason: 'empty value (null)' };
    if (maxValueBytes !== undefined && raw.value.length > maxValueBytes) {
      return { ok: false, reason: `value of ${raw.value.length} bytes, over the source's maxValueBytes (${maxValueBytes})` };
    }
    // JSON between systems is UTF-8 (RFC 8259 §8.1). toString('utf8') would put U+FFFD in place of
    // each invalid byte: the bytes lost from every sink, and two different ids made one key.
    if (!isUtf8(raw.value)) return { ok: false, reason: 'not UTF-8: a JSON value must be UTF-8 text (RFC 8259)' };
    let value: unknown;
    try {
      value = JSON.parse(raw.value.toString('utf8'));
    } catch (error) {
      return { ok: false, reason: `not JSON: ${(error as Error).message}` };
    }
    if (nestedDeeperThan(raw.value, MAX_JSON_DEPTH)) return { ok: false, reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects` };
    if (!check.Check(value)) {
      const first = check.Errors(value).First();
      const where = first?.path ? first.path : '/';
      return { ok: false, reason: `schema: ${where}: ${first?.message ?? 'does not match'}` };
    }
    let key: unknown;
    let timestamp: number;
    try {
      key = keyOf(value);
      timestamp = timeOf(value);
    } catch (error) {
      return { ok: false, reason: `key or timestamp: ${(error as Error).message}` };
    }
    const badKey = keyProblem(key);
    if (badKey !== undefined) return { ok: false, reason: `key: ${badKey}` };
    if (checkKafkaKey) {
      const misplaced = kafkaKeyProblem(raw.key, key as string | number | null);
      if (misplaced !== undefined) return { ok: false, reason: misplaced };
    }
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      return { ok: false, reason: `event time is not a valid timestamp (got ${String(timestamp)})` };
    }
    // Beyond, no sink can write the time; far beyond, window arithmetic stops advancing (2^69 ms).
    if (timestamp < FIRST_EVENT_MS || timestamp > LAST_EVENT_MS) {
      return { ok: false, reason: `event time ${timestamp} ms is outside the years 0 to 9999: microseconds or nanoseconds given as milliseconds?` };
    }
    if (maxTimeAhead !== undefined) {
      // Against when the record was written to Kafka, so a replay decides as the first reading did;
      // against the wall clock when that is earlier (a producer or broker whose clock is fast), or
      // when the record has no usable timestamp (none, -1, 0: "not set" to most producers).
      const byClock = raw.timestamp === undefined || !(raw.timestamp > 0) || raw.timestamp > now;
      const reference = byClock ? now : raw.timestamp!;
      if (timestamp - reference > maxTimeAhead) {
        const of = byClock ? 'the clock' : "the record's Kafka timestamp";
        return { ok: false, reason: `event time ${isoTime(timestamp)} is more than ${formatDuration(maxTimeAhead)} (the source's maxTimeAhead) ahead of ${of}, ${isoTime(reference)}` };
      }
    }
    return { ok: true, value, key, timestamp };
  };
}

