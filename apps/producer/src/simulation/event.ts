/** The kinds of user activity, in the order a session goes through them. */
export const EVENT_TYPES = ['session_start', 'page_view', 'click', 'session_end'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One record value of the `user_activity` topic (the JSON the pipeline reads). */
export interface UserActivity {
  /** ISO 8601 in UTC with milliseconds, e.g. `2024-01-01T00:00:00.100Z`. */
  readonly event_time: string;
  /** `user-0042`: also the record key, so one user's events stay in one partition, in order. */
  readonly user_id: string;
  /** A path of the simulated site, e.g. `/products/running-shoes`. */
  readonly page_url: string;
  readonly event_type: EventType;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * What is wrong with `value` as a {@link UserActivity} (empty when nothing): a dependency-free check of
 * the same schema the pipeline applies, for tests and for consumers of the generator.
 * @example checkUserActivity(JSON.parse(text)); // ["event_type: 'purchase' is not one of session_start, …"]
 */
export function checkUserActivity(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['not a JSON object'];
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  const text = (field: string): string | undefined => {
    const x = v[field];
    if (typeof x === 'string' && x.length > 0) return x;
    problems.push(`${field}: expected a non-empty string, got ${JSON.stringify(x) ?? 'nothing'}`);
    return undefined;
  };
  const time = text('event_time');
  if (time !== undefined && (!ISO_MS.test(time) || Number.isNaN(Date.parse(time)))) {
    problems.push(`event_time: '${time}' is not an ISO 8601 UTC time with milliseconds`);
  }
  text('user_id');
  text('page_url');
  const type = text('event_type');
  if (type !== undefined && !TYPES.has(type)) problems.push(`event_type: '${type}' is not one of ${EVENT_TYPES.join(', ')}`);
  return problems;
}

/** True when `value` is a valid {@link UserActivity}. */
export function isUserActivity(value: unknown): value is UserActivity {
  return checkUserActivity(value).length === 0;
}
