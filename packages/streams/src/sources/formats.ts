import { FormatRegistry } from '@sinclair/typebox';

// TypeBox rejects every value of a string format it does not know. Schemas of events nearly always
// use these, so the library registers them (unless the application registered its own first).

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):?(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether the day exists. Date.parse rolls an impossible one over ('2024-02-30' is 1 March), so
 * an event would be counted in a window, and a lake partition, of a day it does not name.
 */
function dayExists(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1) return false;
  const last = new Date(0);
  last.setUTCFullYear(y, m, 0); // the month's last day (Date.UTC would read years 0-99 as 1900-1999)
  return d <= last.getUTCDate();
}

function isDateTime(v: string): boolean {
  const p = DATE_TIME.exec(v);
  if (p === null || !dayExists(p[1]!, p[2]!, p[3]!)) return false;
  if (Number(p[4]) > 23 || Number(p[5]) > 59 || Number(p[6]) > 59) return false;
  if (p[7] !== undefined && (Number(p[7]) > 23 || Number(p[8]) > 59)) return false;
  return !Number.isNaN(Date.parse(v));
}

function isDate(v: string): boolean {
  const p = DATE.exec(v);
  return p !== null && dayExists(p[1]!, p[2]!, p[3]!);
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
