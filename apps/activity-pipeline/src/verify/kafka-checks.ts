import type { Metadata } from 'node-rdkafka';
import type { Config } from '../config';
import { clusterMetadata } from './kafka-client';
import { fail, pass, type CheckResult } from './report';

/** The broker answers a metadata request; its metadata is kept for the topic check. */
export async function checkBroker(config: Config): Promise<{ result: CheckResult; metadata?: Metadata }> {
  const started = Date.now();
  try {
    const metadata = await clusterMetadata(config.kafkaBrokers);
    const brokers = metadata.brokers.map((b) => `${b.host}:${b.port}`).join(', ');
    return { result: pass('broker', `${config.kafkaBrokers}: metadata in ${Date.now() - started} ms (brokers ${brokers})`), metadata };
  } catch (error) {
    return { result: fail('broker', `${config.kafkaBrokers} is not reachable: ${(error as Error).message}\nstart the local stack with \`pnpm stack up\`, or set KAFKA_BROKERS`) };
  }
}

/** The input, enriched and dead-letter topics exist; returns their partition counts. */
export function checkTopics(config: Config, metadata: Metadata): { result: CheckResult; partitions: Map<string, number> } {
  const topics = [
    { name: config.inputTopic, variable: 'INPUT_TOPIC' },
    { name: config.enrichedTopic, variable: 'ENRICHED_TOPIC' },
    { name: config.deadLetterTopic, variable: 'DEAD_LETTER_TOPIC' },
  ];
  const partitions = new Map(metadata.topics.filter((t) => t.partitions.length > 0).map((t) => [t.name, t.partitions.length]));
  const missing = topics.filter((t) => !partitions.has(t.name));
  const found = topics.filter((t) => partitions.has(t.name)).map((t) => `${t.name} (${partitions.get(t.name)} partitions)`);
  if (missing.length === 0) return { result: pass('topics', found.join(', ')), partitions };
  return {
    result: fail(
      'topics',
      `missing: ${missing.map((t) => `${t.name} (${t.variable})`).join(', ')}${found.length > 0 ? `; found ${found.join(', ')}` : ''}\n` +
        'create them with `pnpm stack up` (STACK_PARTITIONS sets their partitions), or fix the variable',
    ),
    partitions,
  };
}
