import type { Client, KafkaClientEvents } from 'node-rdkafka';
import type { Logger } from '../../logging/logger';
import * as rd from './promisified';

/** What librdkafka hands its log callback (node-rdkafka's `event.log`). */
interface LogEntry {
  /** syslog's levels: 3 error, 4 warning, 6 info, 7 debug. */
  readonly severity: number;
  readonly fac: string;
  readonly message: string;
}

export interface ConnectClientOptions {
  /** Which client, for the log and the error: its `client.id`. */
  readonly client: string;
  readonly brokers: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** A warning about the same trouble at most this often: librdkafka retries every 100 ms to 10 s. */
const WARN_EVERY_MS = 5_000;
const WARNING = 4;

/**
 * Connects a client, and says why while it cannot. librdkafka retries an unreachable broker
 * quietly until the timeout, and then reports only "broker transport failure": a wrong address,
 * an unknown host or a broker that is down looked like a hang of 30 s. Its own log lines say
 * which (`Connect to ipv4#127.0.0.1:9092 failed: Connection refused`, `Failed to resolve
 * 'kafka:9092'`): the first is logged at once as a warning, then at most every 5 s, and the
 * last one is in the error if the connection times out.
 * @example await connectClient(producer, { client: 'producer', brokers, timeoutMs: 30_000, logger });
 */
export async function connectClient(client: Client<KafkaClientEvents>, options: ConnectClientOptions): Promise<void> {
  const { logger, brokers } = options;
  let reason: string | undefined;
  let warnedAt = -Infinity;
  let unreported = 0;
  const onLog = (entry: LogEntry) => {
    if (entry.severity > WARNING) return;
    reason = withoutThreadName(entry.message);
    const now = Date.now();
    if (now - warnedAt < WARN_EVERY_MS) {
      unreported++;
      return;
    }
    warnedAt = now;
    logger.warn('cannot reach kafka yet, retrying', { client: options.client, brokers, reason, ...(unreported > 0 ? { alsoSince: unreported } : {}) });
    unreported = 0;
  };
  client.on('event.log', onLog);
  try {
    await rd.connect(client as never, options.timeoutMs);
  } catch (error) {
    // The fields rd.connect's error has (code, isFatal, isRetriable…) stay, for callers that read them.
    const { message: _message, stack: _stack, ...fields } = error as Error & Record<string, unknown>;
    const seconds = Math.round(options.timeoutMs / 1000);
    const failure = new Error(
      `kafka ${options.client}: could not connect to ${brokers} (waited up to ${seconds} s): ${reason ?? (error as Error).message}` +
        (reason === undefined ? '' : ` (${(error as Error).message})`),
      { cause: error },
    );
    throw Object.assign(failure, fields);
  } finally {
    client.removeListener('event.log', onLog);
  }
}

/** `[thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect…` → `127.0.0.1:1/bootstrap: Connect…` */
function withoutThreadName(message: string): string {
  return message.replace(/^\[thrd:[^\]]*\]: /, '');
}
