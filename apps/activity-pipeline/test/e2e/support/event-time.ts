const HOUR = 3_600_000;

/**
 * An event time in the past of whatever clock the tests run under: the start of the UTC hour a day
 * before now (on an hour, so events a few seconds after it share its windows). A fixed date is not
 * safe: the app dead-letters events further ahead of their record's Kafka timestamp than
 * MAX_TIME_AHEAD, and CI once ran on a clock earlier than the date these tests had (2026-01-05),
 * where seven of them saw their valid events dead-lettered.
 */
export const A_DAY_AGO: string = new Date(Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR).toISOString();

/** `A_DAY_AGO` plus `ms`, as an ISO 8601 string. */
export const aDayAgoPlus = (ms: number): string => new Date(Date.parse(A_DAY_AGO) + ms).toISOString();
