import { Producer, type Message, type MessageHeader } from 'node-rdkafka';
import { silentLogger, type Logger } from '../../logging/logger';
import { readPartitions } from './changelog-reader';
import { baseConfig, type KafkaConnection } from './connection';
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
  /** Called after each batch read: letters read so far, and how many the topic held at the start. */
  readonly onProgress?: (read: number, total: number) => void;
}

/** Why a letter is not sent again. */
export type ReplaySkip =
  | 'not a dead letter (no dlq.reason header)'
  | 'reason does not match'
  | 'made by a stateful operator (offset -1): no record to send again'
  | 'read from a repartition topic: send the source record its envelope points at'
  | 'value truncated to fit the dead-letter topic: the source topic holds the whole record';

export interface ReplayedLetter {
  /** Where the letter is: the dead-letter topic's partition and offset. */
  readonly partition: number;
  readonly offset: number;
  readonly reason: string | undefined;
  /** Where the record was read from when it was dead-lettered (`dlq.topic`, `dlq.partition`, `dlq.offset`). */
  readonly from: { readonly topic: string; readonly partition: number; readonly offset: number } | undefined;
  /** `sent` (or, in a dry run, would be), else why not. */
  readonly outcome: 'sent' | ReplaySkip;
}

export interface ReplayReport {
  /** Letters read: what the topic held when the replay began (and any written meanwhile). */
  readonly read: number;
  /** Records sent again (in a dry run: that would be). */
  readonly sent: number;
  readonly skipped: Readonly<Partial<Record<ReplaySkip, number>>>;
  /** Every letter read, in the order read, with its outcome. */
  readonly letters: readonly ReplayedLetter[];
}

/** Records sent between two flushes: a long replay holds no more than this in memory. */
const FLUSH_EVERY = 10_000;

/**
 * Sends dead letters back to the topics they were read from, once the code or the data that sent
 * them there is fixed: the record as it was (key, bytes, timestamp, headers, the dead letter's
 * `dlq.*` ones included: a record refused again carries its history, the newest reason last).
 *
 * Sent: letters of records read from a source topic. Not sent, and counted: letters made by a
 * stateful operator (a window's result, a processor's timer: offset -1), letters of records read
 * from a repartition topic (the topic would drop an envelope it has read; its source record is at
 * the topic, partition and offset it names), letters whose value was truncated to fit the
 * dead-letter topic, and letters whose reason does not match. The topic is read from its start to
 * where it ended when the replay began; the records are sent with an idempotent producer and
 * flushed before it resolves. Running it twice sends them twice: a record sent again that fails
 * again is dead-lettered again, after the letters read.
 * @example await replayDeadLetters({ connection: { brokers }, topic: 'user_activity_dlq', reason: /^processing failed in map 'enrich'/ })
 */
export async function replayDeadLetters(options: ReplayDeadLettersOptions): Promise<ReplayReport> {
  const logger = options.logger ?? silentLogger;
  const clientId = `replay-${options.topic}`;
  const { partitions, total } = await partitionsOf(options.connection, clientId, options.topic);
  const producer = options.dryRun ? undefined : await KafkaProducer.connect({ connection: options.connection, clientId, logger });
  const letters: ReplayedLetter[] = [];
  const skipped: Partial<Record<ReplaySkip, number>> = {};
  let sent = 0;
  try {
    await readPartitions(
      options.connection,
      clientId,
      partitions.map((partition) => ({ topic: options.topic, partition })),
      (message) => {
        const letter = readLetter(message, options.reason);
        letters.push(letter);
        if (letter.outcome !== 'sent') {
          skipped[letter.outcome] = (skipped[letter.outcome] ?? 0) + 1;
          return;
        }
        sent++;
        if (producer === undefined) return;
        const to = options.to ?? letter.from!.topic;
        producer.send(to, message.key ?? null, message.value, message.headers as MessageHeader[] | undefined, message.timestamp, options.to === undefined ? letter.from!.partition : null);
      },
      async () => {
        options.onProgress?.(letters.length, total);
        if (producer !== undefined && producer.buffered >= FLUSH_EVERY) await producer.flush();
      },
    );
    await producer?.flush();
  } finally {
    await producer?.close();
  }
  logger.info(options.dryRun ? 'dead letters read (dry run: nothing sent)' : 'dead letters sent again', { topic: options.topic, read: letters.length, sent, skipped });
  return { read: letters.length, sent, skipped, letters };
}

/** A letter's last `dlq.*` group (a record refused again has one per refusal) and what to do with it. */
function readLetter(message: Message, reason: RegExp | undefined): ReplayedLetter {
  const headers = (message.headers ?? []).flatMap((h) => Object.entries(h).map(([k, v]) => [k, v.toString()] as const));
  const last = headers.map(([k]) => k).lastIndexOf('dlq.reason');
  const at = { partition: message.partition, offset: message.offset };
  if (last < 0) return { ...at, reason: undefined, from: undefined, outcome: 'not a dead letter (no dlq.reason header)' };
  const group = new Map(headers.slice(last));
  const from = { topic: group.get('dlq.topic') ?? '', partition: Number(group.get('dlq.partition')), offset: Number(group.get('dlq.offset')) };
  const letter = { ...at, reason: group.get('dlq.reason'), from };
  if (reason !== undefined && !reason.test(letter.reason ?? '')) return { ...letter, outcome: 'reason does not match' };
  if (!(from.offset >= 0)) return { ...letter, outcome: 'made by a stateful operator (offset -1): no record to send again' };
  if (from.topic.endsWith('-repartition')) return { ...letter, outcome: 'read from a repartition topic: send the source record its envelope points at' };
  if (group.has('dlq.value.truncated')) return { ...letter, outcome: 'value truncated to fit the dead-letter topic: the source topic holds the whole record' };
  return { ...letter, outcome: 'sent' };
}

/** The topic's partitions, and how many records they hold now (for progress). */
async function partitionsOf(connection: KafkaConnection, clientId: string, topic: string): Promise<{ partitions: number[]; total: number }> {
  const client = new Producer(baseConfig(connection, clientId));
  await rd.connect(client as never, 30_000);
  try {
    const meta = await rd.metadata(client as never, topic, 10_000);
    const partitions = (meta.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b);
    if (partitions.length === 0) throw new Error(`dead-letter topic ${topic} does not exist (or has no partitions)`);
    let total = 0;
    for (const partition of partitions) {
      const { lowOffset, highOffset } = await rd.watermarks(client as never, topic, partition, 10_000);
      total += highOffset - lowOffset;
    }
    return { partitions, total };
  } finally {
    await rd.disconnect(client);
  }
}
