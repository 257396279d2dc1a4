import fc from 'fast-check';
import { dayExists, parseDateTime } from '../../src/time/date-time';

// parseDateTime replaced a regular expression, a Date to check the day and Date.parse on the
// source's hot path. `formerCheck` is that check, kept as it was. parseDateTime takes the strings
// it took, plus one set it refused by accident: with a space for the 'T', Date.parse falls back
// to V8's legacy parser, which has no reading of years 0013-0031 ('0019-02-16 15:24:00Z' is NaN).
// For every string it takes, parseDateTime gives `isoInstant`: what Date.parse gives the string in
// ISO's form, with a 'T' and the fraction cut to milliseconds. Date.parse itself is wrong on the
// two others: with a space, the legacy parser reads year 0 as 2000, years 1-12 as month, day and
// year ('0005-03-04 …' is 2004-05-03), 32-49 as 2032-2049 and 50-99 as 1950-1999; and it reads
// '.0070000000' (ten digits or more, leading zeros) as 70 ms.

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):?(\d{2}))$/;

function modelDayExists(year: string, month: string, day: string): boolean {
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1) return false;
  const last = new Date(0);
  last.setUTCFullYear(Number(year), m, 0);
  return d <= last.getUTCDate();
}

/** The grammar, and a day and time that exist: the former check before its final Date.parse. */
function wellFormed(v: string): boolean {
  const p = PATTERN.exec(v);
  if (p === null || !modelDayExists(p[1]!, p[2]!, p[3]!)) return false;
  if (Number(p[4]) > 23 || Number(p[5]) > 59 || Number(p[6]) > 59) return false;
  return !(p[7] !== undefined && (Number(p[7]) > 23 || Number(p[8]) > 59));
}

/** The former `date-time` check, as it was. */
function formerCheck(v: string): boolean {
  return wellFormed(v) && !Number.isNaN(Date.parse(v));
}

/** The instant Date.parse gives a string in ISO's form: a 'T', and milliseconds. */
function isoInstant(v: string): number {
  return Date.parse(`${v.slice(0, 10)}T${v.slice(11)}`.replace(/(\.\d{1,3})\d*/, '$1'));
}

/** Space-separated, of a year the legacy parser has no reading of. */
const legacyHole = (v: string) => v[10] === ' ' && Number(v.slice(0, 4)) >= 13 && Number(v.slice(0, 4)) <= 31;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Date-times of the whole grammar, fields a little beyond their ranges now and then. */
const dateTimes = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1895, max: 2105 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    separator: fc.constantFrom('T', 't', ' '),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }),
    zone: fc.oneof(
      fc.constantFrom('Z', 'z'),
      fc.record({ sign: fc.constantFrom('+', '-'), hours: fc.integer({ min: 0, max: 25 }), minutes: fc.integer({ min: 0, max: 61 }), colon: fc.boolean() }),
    ),
  })
  .map(({ year, month, day, separator, hour, minute, second, fraction, zone }) => {
    const offset = typeof zone === 'string' ? zone : `${zone.sign}${pad(zone.hours, 2)}${zone.colon ? ':' : ''}${pad(zone.minutes, 2)}`;
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${separator}${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction === undefined ? '' : `.${fraction}`}${offset}`;
  });

/** A date-time with one character replaced, inserted or removed. */
const mutated = fc
  .tuple(dateTimes, fc.nat(), fc.constantFrom('replace', 'insert', 'remove'), fc.constantFrom(...'0123456789-:.TtZz+ x\u0660'.split('')))
  .map(([text, at, how, c]) => {
    const i = at % (text.length + 1);
    if (how === 'insert') return text.slice(0, i) + c + text.slice(i);
    if (how === 'remove') return text.slice(0, i) + text.slice(i + 1);
    return text.slice(0, i) + c + text.slice(i + 1);
  });

describe('parseDateTime', () => {
  it('takes the strings the former check took, and those of its hole alone, with their ISO instant', () => {
    fc.assert(
      fc.property(fc.oneof(dateTimes, mutated, fc.string({ maxLength: 40 })), (text) => {
        const takes = formerCheck(text) || (wellFormed(text) && legacyHole(text));
        const expected = takes ? isoInstant(text) : NaN;
        expect({ text, ms: parseDateTime(text) }).toEqual({ text, ms: expected });
        // The hole is the only difference: the former check's Date.parse refused nothing else.
        expect({ text, refusedByDateParse: wellFormed(text) && !formerCheck(text) }).toEqual({ text, refusedByDateParse: wellFormed(text) && legacyHole(text) });
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes a space-separated year 13-31, which the former check refused', () => {
    expect(formerCheck('0019-02-16 15:24:00Z')).toBe(false);
    expect(new Date(parseDateTime('0019-02-16 15:24:00Z')).toISOString()).toBe('0019-02-16T15:24:00.000Z');
  });

  it('gives the instants of these, whatever the form', () => {
    expect(parseDateTime('2024-01-01T00:00:00Z')).toBe(Date.UTC(2024, 0, 1));
    expect(parseDateTime('2024-01-01t01:00:00.5+01:00')).toBe(Date.UTC(2024, 0, 1, 0, 0, 0, 500));
    expect(parseDateTime('2024-01-01 00:00:00.123456789-0130')).toBe(Date.UTC(2024, 0, 1, 1, 30, 0, 123));
    expect(parseDateTime('2024-02-29T23:59:59.999z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    // Years 0-99 are not 1900-1999 (Date.UTC's reading of them).
    expect(parseDateTime('0000-02-29T12:00:00Z')).toBe(Date.parse('0000-02-29T12:00:00Z'));
    expect(new Date(parseDateTime('0099-12-31T23:59:59Z')).getUTCFullYear()).toBe(99);
  });

  it('reads a year under 100 as written, where Date.parse, given a space, reads 2000, 2049, 1950 or swaps day and month', () => {
    const year = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    expect(year(Date.parse('0000-03-04 00:00:00Z'))).toBe('2000-03-04');
    expect(year(Date.parse('0005-03-04 00:00:00Z'))).toBe('2004-05-03');
    expect(year(Date.parse('0049-03-04 00:00:00Z'))).toBe('2049-03-04');
    expect(year(Date.parse('0050-03-04 00:00:00Z'))).toBe('1950-03-04');
    for (const y of ['0000', '0005', '0049', '0050']) expect(year(parseDateTime(`${y}-03-04 00:00:00Z`))).toBe(`${y}-03-04`);
    expect(parseDateTime('0049-01-01 00:00:00Z')).toBe(parseDateTime('0049-01-01T00:00:00Z'));
  });

  it('reads the first three digits of a long fraction, where Date.parse reads .0070000000 as 70 ms', () => {
    expect(Date.parse('2024-01-01T00:00:00.0070000000Z') - Date.UTC(2024, 0, 1)).toBe(70);
    expect(parseDateTime('2024-01-01T00:00:00.0070000000Z') - Date.UTC(2024, 0, 1)).toBe(7);
    expect(parseDateTime('2024-01-01T00:00:00.9999999999Z') - Date.UTC(2024, 0, 1)).toBe(999);
  });

  it('refuses days and times that do not exist, and forms it does not take', () => {
    for (const text of [
      '2023-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-00-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01T00:00:00.Z',
      '2024-01-01T00:00:00',
      '2024-01-01T00:00:00Z ',
      '2024-01-01',
      '+02024-01-01T00:00:00Z',
      '',
    ]) {
      expect({ text, ms: parseDateTime(text) }).toEqual({ text, ms: NaN });
    }
  });
});

describe('dayExists', () => {
  it('agrees with Date on every day of 400 years and of years 0-99', () => {
    const disagree: number[][] = [];
    for (const years of [
      [1800, 2200],
      [0, 100],
    ]) {
      for (let year = years[0]!; year < years[1]!; year++) {
        for (let month = 0; month <= 13; month++) {
          for (let day = 0; day <= 32; day++) {
            if (dayExists(year, month, day) !== modelDayExists(pad(year, 4), pad(month, 2), pad(day, 2))) disagree.push([year, month, day]);
          }
        }
      }
    }
    expect(disagree).toEqual([]);
  });
});
