import type { Distribution } from './stats';

/** One line of the results table. Every figure is also in the JSON report, unrounded. */
export interface Row {
  /** The benchmark step: preload, ceiling, pipeline, stage, sink, latency, memory. */
  readonly step: string;
  readonly what: string;
  /** Events (or rows, when `unit` says so) handled. */
  readonly count?: number;
  readonly unit?: string;
  readonly seconds?: number;
  /** Events per second. */
  readonly rate?: number;
  /** Microseconds of one event, the inverse of `rate` on one thread. */
  readonly usPerEvent?: number;
  readonly note?: string;
}

const COLUMNS = ['step', 'what', 'count', 'time', 'events/s', 'µs/event', 'notes'] as const;
const RIGHT = new Set<string>(['count', 'time', 'events/s', 'µs/event']);

/** 1234567.8 → "1,234,568". */
export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** Seconds with a precision that suits their size: "0.42 s", "12.3 s", "184 s". */
export function seconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  return s < 1 ? `${s.toFixed(2)} s` : s < 100 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/** Milliseconds: "0.8 ms", "14 ms", "1,204 ms". */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return v < 10 ? `${v.toFixed(1)} ms` : `${int(v)} ms`;
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${int(bytes / (1024 * 1024))} MB` : '–';
}

export function percent(ratio: number): string {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)} %` : '–';
}

/** "p50 120 ms, p95 310 ms, p99 480 ms, max 702 ms (n=3,000)". */
export function latencySummary(d: Distribution): string {
  if (d.count === 0) return 'no samples';
  return `p50 ${ms(d.p50)}, p95 ${ms(d.p95)}, p99 ${ms(d.p99)}, max ${ms(d.max)} (n=${int(d.count)})`;
}

function cells(row: Row): Record<(typeof COLUMNS)[number], string> {
  return {
    step: row.step,
    what: row.what,
    count: row.count === undefined ? '' : `${int(row.count)}${row.unit ? ` ${row.unit}` : ''}`,
    time: row.seconds === undefined ? '' : seconds(row.seconds),
    'events/s': row.rate === undefined ? '' : int(row.rate),
    'µs/event': row.usPerEvent === undefined ? '' : row.usPerEvent.toFixed(2),
    notes: row.note ?? '',
  };
}

/**
 * The rows as a plain-text table with aligned columns (numbers to the right), a rule between
 * steps, and no trailing spaces.
 */
export function renderTable(rows: readonly Row[]): string {
  const table = rows.map(cells);
  const width = Object.fromEntries(COLUMNS.map((c) => [c, Math.max(c.length, ...table.map((r) => r[c].length))])) as Record<string, number>;
  const line = (r: Record<string, string>) =>
    COLUMNS.map((c) => (RIGHT.has(c) ? r[c]!.padStart(width[c]!) : r[c]!.padEnd(width[c]!)))
      .join('  ')
      .trimEnd();
  const rule = COLUMNS.map((c) => '─'.repeat(width[c]!)).join('  ');
  const out = [line(Object.fromEntries(COLUMNS.map((c) => [c, c]))), rule];
  rows.forEach((row, i) => {
    if (i > 0 && rows[i - 1]!.step !== row.step) out.push('');
    out.push(line(table[i]!));
  });
  return out.join('\n');
}
