import { Producer, type Message, type MessageHeader } from 'node-rdkafka';
import { silentLogger, type Logger } from '../../logging/logger';
import { messageOf } from '../../util/error-message';
import { readPartitions } from './partition-reader';
import { baseConfig, type KafkaConnection } from './connection';
import { connectClient } from './connect-client';
import { KafkaProducer } from './kafka-producer';
import * as rd from './promisified';

export interface ReplayDeadLettersOptions {
  readonly connection: KafkaConnection;
  /** The dead-letter topic, as `deadLetterSink` writes it. */
  readonly topic: string;
  /** Only the letters whose reason (their last `dlq.reason`) matches. Default: every letter. */
  readonly reason?: RegExp;
  /**
   * Where to send them. Default: each letter's own topic (`dlq.topic`), to the partition it was
   * read from, where the other records of its key are. Another topic gets them by key.
   */
  readonly to?: string;
  /** Read and report only: send nothing. */
  readonly dryRun?: boolean;
  readonly logger?: Logger;
  /** Each letter as it is read, with what happens to it (a listing: the report keeps counts only). */
  readonly onLetter?: (letter: ReplayedLetter) => void;
  /** After each batch read: letters read so far, and the offsets the topic held at the start (an upper bound: transactions' markers and aborted records are offsets too). */
  readonly onProgress?: (read: number, offsets: number) => void;
}

/** Why a letter is not sent again (see REPLAY_SKIPS for the words). */
export type ReplaySkip = 'not-a-dead-letter' | 'reason-not-matched' | 'malformed-headers' | 'made-by-an-operator' | 'from-a-repartition-topic' | 'truncated';

/** What each skip means, for reports. */
export const REPLAY_SKIPS: Readonly<Record<ReplaySkip, string>> = {
  'not-a-dead-letter': 'not a dead letter (no dlq.reason header)',
  'reason-not-matched': 'reason does not match',
  'malformed-headers': 'dlq.topic, dlq.partition or dlq.offset missing or not a number',
  'made-by-an-operator': 'made by a stateful operator (offset -1): no record to send again',
  'from-a-repartition-topic': 'read from a repartition topic: send the source record its envelope points at',
  truncated: 'value truncated to fit the dead-letter topic: the source topic holds the whole record',
};

export interface ReplayedLetter {
  /** Where the letter is: the dead-letter topic's partition and offset. */
  readonly partition: number;
  readonly offset: number;
  readonly reason: string | undefined;
  /** Where the record was read from when it was dead-lettered (`dlq.topic`, `dlq.partition`, `dlq.offset`). */
  readonly from: { readonly topic: string; readonly partition: number; readonly offset: number } | undefined;
  /** `send` (in a dry run: would be sent), else why not. */
  readonly outcome: 'send' | ReplaySkip;
}

export interface ReplayReport {
  /** Letters read: what the topic held when the replay began (letters written meanwhile are not read). */
  readonly read: number;
  /** Records sent again and acknowledged (in a dry run: that would be sent). */
  readonly sent: number;
  readonly skipped: Readonly<Partial<Record<ReplaySkip, number>>>;
}

/** Records sent between two flushes: what a long replay holds in memory, and what a failure leaves unsure. */
const FLUSH_EVERY = 10_000;

/**
 * Sends dead letters back to the topics they were read from, once the code or the data that sent
 * them there is fixed: the record as it was (key, bytes, timestamp, headers, the dead letter's
 * `dlq.*` ones included: a record refused again carries its history, the newest reason last).
 * node-rdkafka sends header values as UTF-8 text up to a first NUL byte: binary header values do
 * not come back as they were (nor did the dead-letter sink write them so).
 *
 * Sent: letters of records read from a source topic. Not sent, and counted: letters made by a
 * stateful operator (a window's result, a processor's timer: offset -1), letters of records read
 * from a repartition topic (the topic would drop an envelope it has read; its source record is at
 * the topic, partition and offset it names), letters whose value was truncated to fit the
 * dead-letter topic, letters with malformed `dlq.*` headers, and letters whose reason does not
 * match. The topic is read from its start to where it ended when the replay began; the records
 * are sent with an idempotent producer, flushed every 10,000 and at the end. If a send fails, it
 * rejects, saying which letters were sent for sure. Running it twice sends them twice.
 * @example await replayDeadLetters({ connection: { brokers }, topic: 'user_activity_dlq', reason: /^processing failed in map 'enrich'/ })
 */
export async function replayDeadLetters(options: ReplayDeadLettersOptions): Promise<ReplayReport> {
  const logger = options.logger ?? silentLogger;
  const clientId = `replay-${options.topic}`;
  // A regular expression with g or y remembers where it last matched: every other letter would not.
  const reason = options.reason && new RegExp(options.reason.source, options.reason.flags.replace(/[gy]/g, ''));
  const { partitions, offsets } = await dlqPartitions(options.connection, clientId, options.topic, logger);
  const producer = options.dryRun ? undefined : await KafkaProducer.connect({ connection: options.connection, clientId, logger });
  const skipped: Partial<Record<ReplaySkip, number>> = {};
  let read = 0;
  let handed = 0;
  let acknowledged = 0;
  /** The last letter of each dead-letter partition whose record is acknowledged. */
  const sentThrough = new Map<number, number>();
  const pendingThrough = new Map<number, number>();
  const flush = async () => {
    await producer!.flush();
    acknowledged = handed;
    for (const [partition, offset] of pendingThrough) sentThrough.set(partition, offset);
  };
  try {
    await readPartitions(
      options.connection,
      clientId,
      partitions.map((partition) => ({ topic: options.topic, partition })),
      (message) => {
        read++;
        const letter = readLetter(message, reason);
        options.onLetter?.(letter);
        if (letter.outcome !== 'send') {
          skipped[letter.outcome] = (skipped[letter.outcome] ?? 0) + 1;
          return;
        }
        if (producer !== undefined) {
          const to = options.to ?? letter.from!.topic;
          // An empty key is a key: node-rdkafka sends an empty Buffer as none.
          const key = message.key === undefined || message.key === null ? null : message.key.length === 0 ? '' : message.key;
          producer.send(to, key, message.value, message.headers as MessageHeader[] | undefined, message.timestamp, options.to === undefined ? letter.from!.partition : null);
          pendingThrough.set(message.partition, message.offset);
        }
        handed++;
      },
      {
        onlyToStartEnd: true,
        afterBatch: async () => {
          options.onProgress?.(read, offsets);
          if (producer !== undefined && producer.buffered >= FLUSH_EVERY) await flush();
        },
      },
    );
    if (producer !== undefined) await flush();
  } catch (error) {
    if (producer === undefined) throw error;
    const sure = [...sentThrough].map(([p, o]) => `partition ${p} up to offset ${o}`).join(', ') || 'none';
    throw new Error(
      `replaying ${options.topic}: ${messageOf(error)}. Sent for sure: ${acknowledged} records, the letters of ${sure}; ${handed - acknowledged} more were handed to the producer and may or may not have been sent`,
      { cause: error },
    );
  } finally {
    await producer?.close();
  }
  logger.info(options.dryRun ? 'dead letters read (dry run: nothing sent)' : 'dead letters sent again', { topic: options.topic, read, sent: handed, skipped });
  return { read, sent: handed, skipped };
}

const WHOLE_NUMBER = /^\d+$/;

/** A letter's last `dlq.*` group (a record refused again has one per refusal) and what to do with it. */
function readLetter(message: Message, reason: RegExp | undefined): ReplayedLetter {
  const headers = (message.headers ?? []).flatMap((h) => Object.entries(h).map(([k, v]) => [k, v.toString()] as const));
  const last = headers.map(([k]) => k).lastIndexOf('dlq.reason');
  const at = { partition: message.partition, offset: message.offset };
  if (last < 0) return { ...at, reason: undefined, from: undefined, outcome: 'not-a-dead-letter' };
  const group = new Map(headers.slice(last));
  const letterReason = group.get('dlq.reason')!;
  const [topic, partition, offset] = [group.get('dlq.topic'), group.get('dlq.partition'), group.get('dlq.offset')];
  const wellFormed = !!topic && partition !== undefined && WHOLE_NUMBER.test(partition) && offset !== undefined && (offset === '-1' || WHOLE_NUMBER.test(offset));
  const from = wellFormed ? { topic, partition: Number(partition), offset: Number(offset) } : undefined;
  if (reason !== undefined && !reason.test(letterReason)) return { ...at, reason: letterReason, from, outcome: 'reason-not-matched' };
  if (from === undefined) return { ...at, reason: letterReason, from, outcome: 'malformed-headers' };
  const letter = { ...at, reason: letterReason, from };
  if (letter.from.offset < 0) return { ...letter, outcome: 'made-by-an-operator' };
  if (from.topic.endsWith('-repartition')) return { ...letter, outcome: 'from-a-repartition-topic' };
  if (group.has('dlq.value.truncated')) return { ...letter, outcome: 'truncated' };
  return { ...letter, outcome: 'send' };
}

/** The dead-letter topic's partitions, and how many offsets they hold now (for progress). */
async function dlqPartitions(connection: KafkaConnection, clientId: string, topic: string, logger: Logger): Promise<{ partitions: number[]; offsets: number }> {
  const client = new Producer(baseConfig(connection, clientId));
  await connectClient(client, { client: clientId, brokers: connection.brokers, timeoutMs: 30_000, logger });
  try {
    const count = await rd.partitionCount(client as never, topic, 10_000);
    if (count === 0) throw new Error(`dead-letter topic ${topic} does not exist (or has no partitions)`);
    const partitions = Array.from({ length: count }, (_, partition) => partition);
    let offsets = 0;
    for (const partition of partitions) {
      const { lowOffset, highOffset } = await rd.watermarks(client as never, topic, partition, 10_000);
      offsets += highOffset - lowOffset;
    }
    return { partitions, offsets };
  } finally {
    await rd.disconnect(client);
  }
}
