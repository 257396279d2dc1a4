import type { Logger } from './logger';

/** Node's own printer of process warnings (lib/internal/process/warning.js names it so). */
const isNodePrinter = (listener: (...args: never[]) => unknown) => listener.name === 'onWarning';

/**
 * Logs the process's warnings (`process.emitWarning`: a library's notice, such as pg's about
 * `sslmode=require`, a deprecation, or one forwarded from a sink thread) through `logger`, one
 * structured line each, in place of Node's printer, which writes several plain lines to stderr
 * and breaks a log of one JSON object a line. For a program's entry point. Other listeners stay.
 * Node's settings hold: nothing is logged when Node shows no warnings (`--no-warnings`,
 * `NODE_NO_WARNINGS=1`), Node keeps writing them when they go to a file (`--redirect-warnings`),
 * `--disable-warning` leaves its out (`--no-deprecation` stops them before they are emitted),
 * `--trace-warnings` adds the stack.
 * Returns a function that puts Node's printer back.
 * @example logProcessWarnings(logger.child({ component: 'node' }));
 */
export function logProcessWarnings(logger: Logger): () => void {
  const printers = process.listeners('warning').filter(isNodePrinter);
  if (printers.length === 0 || nodeOptions().some((o) => o.startsWith('--redirect-warnings'))) return () => {};
  const disabled = disabledWarnings();
  const log = (warning: Error & { code?: string; detail?: string }) => {
    if (disabled.has(warning.name) || (warning.code !== undefined && disabled.has(warning.code))) return;
    logger.warn(warning.message, {
      warning: warning.name,
      ...(warning.code !== undefined ? { code: warning.code } : {}),
      ...(warning.detail !== undefined ? { detail: warning.detail } : {}),
      ...((process as { traceProcessWarnings?: boolean }).traceProcessWarnings === true && warning.stack !== undefined ? { stack: warning.stack } : {}),
    });
  };
  for (const printer of printers) process.off('warning', printer);
  process.on('warning', log);
  return () => {
    process.off('warning', log);
    for (const printer of printers) process.on('warning', printer);
  };
}

/**
 * In a worker thread: hands the thread's process warnings to `forward` instead of Node's printer
 * there, for the main thread to emit again, where the process's own settings and printer (or
 * logProcessWarnings) apply.
 */
export function forwardProcessWarnings(forward: (warning: ForwardedWarning) => void): void {
  for (const printer of process.listeners('warning').filter(isNodePrinter)) process.off('warning', printer);
  process.on('warning', (warning: Error & { code?: string; detail?: string }) =>
    forward({
      name: warning.name,
      message: warning.message,
      ...(warning.code !== undefined ? { code: warning.code } : {}),
      ...(warning.detail !== undefined ? { detail: warning.detail } : {}),
      ...(warning.stack !== undefined ? { stack: warning.stack } : {}),
    }),
  );
}

/** A warning as a worker thread hands it over (structured clone carries no Error's own fields). */
export interface ForwardedWarning {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
  readonly stack?: string;
}

/**
 * Emits a warning forwarded from a worker thread on this one, with its own stack, its detail
 * saying where it came from (`where`).
 * @example emitForwardedWarning(event, 'sink thread sinks');
 */
export function emitForwardedWarning(warning: ForwardedWarning, where: string): void {
  const emitted = Object.assign(new Error(warning.message), {
    name: warning.name,
    detail: warning.detail === undefined ? `from ${where}` : `${warning.detail} (from ${where})`,
    ...(warning.code !== undefined ? { code: warning.code } : {}),
  });
  if (warning.stack !== undefined) emitted.stack = warning.stack;
  process.emitWarning(emitted);
}

/** Node's options of this process: the command line's, then NODE_OPTIONS'. */
function nodeOptions(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((o) => o !== '')];
}

/** The codes and types that `--disable-warning` names. */
function disabledWarnings(): Set<string> {
  const options = nodeOptions();
  const disabled = new Set<string>();
  options.forEach((option, i) => {
    if (option.startsWith('--disable-warning=')) disabled.add(option.slice('--disable-warning='.length));
    else if (option === '--disable-warning' && options[i + 1] !== undefined) disabled.add(options[i + 1]!);
  });
  return disabled;
}
