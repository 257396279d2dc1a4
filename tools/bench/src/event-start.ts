const HOUR = 3_600_000;

/**
 * Event time of the benchmark's first events: the start of the UTC hour a day before now, so on a
 * whole minute and a whole 5-minute window. A fixed date is not safe: the pipeline dead-letters
 * events further ahead than MAX_TIME_AHEAD of their record's Kafka timestamp (or of the clock),
 * and a machine whose clock is earlier than such a date would dead-letter every event. A day is
 * far inside the topics' 7-day retention, which would delete the enriched records otherwise.
 */
export const EVENTS_START_MS: number = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
