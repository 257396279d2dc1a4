import { FormatRegistry } from '@sinclair/typebox';
import { dayExists, parseDateTime } from '../time/date-time';

// TypeBox rejects every value of a string format it does not know. Schemas of events nearly always
// use these, so the library registers them (unless the application registered its own first).

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A date-time whose day and time exist (parseDateTime says which forms it takes). */
function isDateTime(v: string): boolean {
  return !Number.isNaN(parseDateTime(v));
}

function isDate(v: string): boolean {
  const p = DATE.exec(v);
  return p !== null && dayExists(Number(p[1]), Number(p[2]), Number(p[3]));
}

const formats: Record<string, (value: string) => boolean> = {
  'date-time': isDateTime,
  date: isDate,
  uuid: (v) => UUID.test(v),
};

/** Whether `check` is one of the formats above (which an application's own may replace). */
export function isStandardFormat(check: (value: string) => boolean): boolean {
  return Object.values(formats).includes(check);
}

export function registerStandardFormats(): void {
  for (const [name, check] of Object.entries(formats)) if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
}
