import winston from 'winston';

// Progress output of the CLI: plain lines (no JSON, no timestamps) so a terminal and a CI log read the
// same; errors on stderr. Stream transports on process.stdout/stderr rather than winston's Console
// transport, which under jest goes through console.log and gets a stack trace appended to every line.
// STACK_LOG_LEVEL=debug shows the commands the stack runs.
const notErrors = winston.format((info) => (info.level === 'error' ? false : info));

export const log = winston.createLogger({
  level: process.env.STACK_LOG_LEVEL || 'info',
  format: winston.format.printf(({ level, message }) =>
    level === 'info' ? String(message) : `${level}: ${String(message)}`,
  ),
  transports: [
    new winston.transports.Stream({ stream: process.stdout, format: notErrors() }),
    new winston.transports.Stream({ stream: process.stderr, level: 'error' }),
  ],
});

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Runs one step of `stack up`, printing its name first and how long it took after. */
export async function step<T>(label: string, fn: () => Promise<T>, summary?: (result: T) => string): Promise<T> {
  log.info(`==> ${label}`);
  const started = Date.now();
  const result = await fn();
  const extra = summary ? `: ${summary(result)}` : '';
  log.info(`    done in ${seconds(Date.now() - started)}${extra}`);
  return result;
}
