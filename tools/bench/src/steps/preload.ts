import type { Dataset } from '../dataset';
import { connectProducer } from '../infra/kafka';
import { startProgress } from '../progress';
import { msSince, perSecond } from '../stats';

export interface PreloadResult {
  readonly topic: string;
  readonly partitions: number;
  readonly records: number;
  readonly valid: number;
  readonly invalid: number;
  readonly bytes: number;
  readonly perPartition: number[];
  readonly seconds: number;
  /** Records per second, from the first send to the last delivery report. */
  readonly rate: number;
}

/**
 * Produces the dataset into `topic`, each record to the partition the dataset assigned it, as
 * fast as node-rdkafka takes them (waiting only when its queue is full), and waits for every
 * delivery report.
 */
export async function preload(topic: string, dataset: Dataset, label = 'preload'): Promise<PreloadResult> {
  const out = await connectProducer(`bench-${label}`);
  const progress = startProgress({ label, read: out.delivered, total: dataset.count });
  const started = process.hrtime.bigint();
  try {
    for (let i = 0; i < dataset.count; i++) await out.send(topic, dataset.partitionAt(i), dataset.value(i), dataset.key(i));
    await out.drain();
  } finally {
    progress.stop();
    await out.close();
  }
  const ms = msSince(started);
  return {
    topic,
    partitions: dataset.partitions,
    records: dataset.count,
    valid: dataset.valid,
    invalid: dataset.invalid,
    bytes: dataset.valueBytes,
    perPartition: dataset.partitionSizes,
    seconds: ms / 1000,
    rate: perSecond(dataset.count, ms),
  };
}
