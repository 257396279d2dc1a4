import { Producer } from 'node-rdkafka';
import { disconnectProducer } from '../../src/connectors/kafka/promisified';
import { brokers } from '../support/kafka';
import type { InputRecord } from './crash-input';

/** A background writer of the crash input (see `pacedInput`). */
export interface PacedInput {
  /** Records handed to the producer so far. */
  readonly sent: number;
  /** Sends everything not sent yet at once; resolves when every record is delivered. */
  rush(): Promise<void>;
}

/**
 * Writes `records` to `topic` in order, `chunk` of them every `everyMs`, so that instances process
 * (and commit) while the test kills them; `rush` sends the rest once the kills are done. One
 * idempotent producer for the whole input: delivery is checked at the end.
 * @example const paced = pacedInput(input, crashInput(3000, seed).slice(300), { chunk: 8, everyMs: 200 });
 */
export function pacedInput(topic: string, records: readonly InputRecord[], options: { chunk: number; everyMs: number }): PacedInput {
  let sent = 0;
  let rushing = false;
  let failed: Error | undefined;
  const done = (async () => {
    const producer = new Producer({ 'metadata.broker.list': brokers, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 5 });
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
    producer.setPollInterval(10);
    producer.on('delivery-report', (err) => {
      if (err) failed ??= err as unknown as Error;
    });
    try {
      while (sent < records.length) {
        const end = rushing ? records.length : Math.min(records.length, sent + options.chunk);
        for (; sent < end; sent++) {
          const r = records[sent]!;
          producer.produce(topic, r.partition, Buffer.from(JSON.stringify(r.event)), r.key);
        }
        if (!rushing) await new Promise((resolve) => setTimeout(resolve, options.everyMs));
      }
      await new Promise<void>((resolve, reject) => producer.flush(30_000, (err) => (err ? reject(err) : resolve())));
    } finally {
      await disconnectProducer(producer);
    }
    if (failed) throw failed;
  })();
  done.catch(() => undefined); // awaited by rush()
  return {
    get sent() {
      return sent;
    },
    rush: () => ((rushing = true), done),
  };
}
