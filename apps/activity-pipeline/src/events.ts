import { parseDateTime } from '@pipeline/streams';
import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { isKeyText } from './key-text';

/**
 * The longest `user_id` and `page_url`, in UTF-8 bytes. Each is part of a primary key
 * (init-db.sql), and PostgreSQL refuses a btree entry over 2,704 bytes: one longer value failed
 * the commit, and every restart after it, since the row is retried, never skipped. Longer ones are
 * dead-lettered instead. Bytes, not characters: 683 '€' are 2,049 bytes.
 */
export const MAX_KEY_BYTES = 2048;
/**
 * Text PostgreSQL can store as a key: at most MAX_KEY_BYTES, and without U+0000, which JSON allows
 * (`"\u0000"`) and PostgreSQL's text refuses ("invalid byte sequence for encoding UTF8: 0x00"),
 * the same poison pill as an oversized key. Nor half a surrogate pair (`"\ud800"`, valid JSON):
 * pg sends it as U+FFFD, so '/a\ud800' and '/a\udbff' are one key in the table and two in the
 * sink's buffer, and the upsert that holds both fails ("ON CONFLICT DO UPDATE command cannot
 * affect row a second time") at every restart.
 */
const KEY_TEXT = 'postgres-key-text';
FormatRegistry.Set(KEY_TEXT, (v) => isKeyText(v, MAX_KEY_BYTES));

/**
 * The longest `event_time`, in characters: nanoseconds and an offset take 35. ISO 8601 allows any
 * number of fraction digits, and the enriched record copies `event_time`: an event_time of ~1 MB
 * made an enriched record the producer refused (message.max.bytes) at every restart. Since then
 * MAX_EVENT_BYTES bounds the whole event; this keeps what an event adds to the enriched record
 * small, and refuses an `event_time` no clock writes.
 */
export const MAX_EVENT_TIME_LENGTH = 64;

/**
 * The largest event, in bytes; larger ones are dead-lettered unread. An event is a few hundred
 * bytes, but the schema lets producers add properties, and with SCALING=multi-instance each
 * event goes through repartition topics whole, in an envelope, where invalid UTF-8 grows from 1
 * to 3 bytes a character: an input of ~400 kB the broker took became a record of 1.2 MB the
 * producer refused (message.max.bytes), at every restart. 64 KiB keeps every record made of an
 * event well under the producer's limit.
 */
export const MAX_EVENT_BYTES = 64 * 1024;

/** An event of the `user_activity` topic. Anything else goes to the dead-letter topic. */
export const ActivityEvent = Type.Object(
  {
    event_time: Type.String({ format: 'date-time', maxLength: MAX_EVENT_TIME_LENGTH, description: 'When it happened, ISO 8601' }),
    user_id: Type.String({ minLength: 1, format: KEY_TEXT }),
    page_url: Type.String({ minLength: 1, format: KEY_TEXT }),
    event_type: Type.Union([Type.Literal('page_view'), Type.Literal('click'), Type.Literal('session_start'), Type.Literal('session_end')]),
  },
  { additionalProperties: true },
);
export type ActivityEvent = Static<typeof ActivityEvent>;

/** An event as written to `enriched_activity`: when the pipeline processed it. */
export const EnrichedEvent = Type.Object({
  event_time: Type.String({ format: 'date-time' }),
  user_id: Type.String(),
  page_url: Type.String(),
  event_type: Type.String(),
  processing_time: Type.String({ format: 'date-time' }),
});
export type EnrichedEvent = Static<typeof EnrichedEvent>;

/**
 * Event time in epoch ms; NaN (dead-lettered) when `event_time` is not a date. parseDateTime, not
 * Date.parse: it reads every form the schema's `date-time` takes as ISO 8601 does, where Date.parse
 * put '0049-01-05 10:00:00Z' in 2049, moving the watermark 23 years ahead, so every later event
 * was late.
 */
export function eventTime(e: ActivityEvent): number {
  return parseDateTime(e.event_time);
}
