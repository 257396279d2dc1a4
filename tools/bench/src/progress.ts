import { Presets, SingleBar } from 'cli-progress';
import { int } from './report';

/** Something long is going on; `stop()` ends its display. */
export interface Progress {
  stop(): void;
}

export interface ProgressOptions {
  /** What is going on, e.g. "preload". */
  readonly label: string;
  /** Done so far (read on a timer). */
  readonly read: () => number;
  /** Expected in all. */
  readonly total: number;
  /** What `read` counts. Default "events". */
  readonly unit?: string;
}

/** One line on stderr, prefixed so it stands apart from the pipeline's own logs. */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * Shows a long step: a cli-progress bar with the current rate on a terminal (stderr), a log line
 * every 5 seconds otherwise. The table goes to stdout, so `pnpm bench > table.txt` keeps it clean.
 */
export function startProgress(options: ProgressOptions): Progress {
  return process.stderr.isTTY ? startBar(options) : startLog(options);
}

function startLog({ label, read, total, unit = 'events' }: ProgressOptions): Progress {
  let last = { at: Date.now(), done: read() };
  const timer = setInterval(() => {
    const now = { at: Date.now(), done: read() };
    const rate = ((now.done - last.done) * 1000) / Math.max(1, now.at - last.at);
    log(`${label}: ${int(now.done)} / ${int(total)} ${unit} (${Math.floor((100 * now.done) / Math.max(1, total))} %), ${int(rate)}/s`);
    last = now;
  }, 5_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function startBar({ label, read, total, unit = 'events' }: ProgressOptions): Progress {
  const bar = new SingleBar(
    {
      format: `${label.padEnd(22)} {bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | {duration_formatted}`,
      stream: process.stderr,
      barsize: 24,
      hideCursor: true,
      gracefulExit: true,
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? int(v) : String(v)),
    },
    Presets.shades_classic,
  );
  let last = { at: Date.now(), done: read() };
  let rate = 0;
  bar.start(total, last.done, { rate: '0' });
  const timer = setInterval(() => {
    const now = { at: Date.now(), done: read() };
    // Over a second or more, so the rate does not flicker between batches.
    if (now.at - last.at >= 1000) {
      rate = ((now.done - last.done) * 1000) / (now.at - last.at);
      last = now;
    }
    bar.update(Math.min(now.done, total), { rate: int(rate) });
  }, 200);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      bar.update(Math.min(read(), total), { rate: int(rate) });
      bar.stop();
    },
  };
}
