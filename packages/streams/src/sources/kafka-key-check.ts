/**
 * Why a record's Kafka key is not its source key, when a `groupByKey()` relies on the two being one
 * (see `Topology.reliesOnKafkaKey`): such a record may sit in another partition than its key's
 * other records, and its state would be apart from theirs. The Kafka key must be the bytes a
 * producer sends for the key: its UTF-8 text (a number key as its decimal digits). A null source
 * key is refused too: records with no key are spread over the partitions.
 */
export function kafkaKeyProblem(kafkaKey: Buffer | null, key: string | number | null): string | undefined {
  const why = ": a groupByKey() below keeps each key's state in its partition, so the topic must be keyed by it (or re-key with groupBy, which repartitions)";
  if (key === null) return `the source key is null${why}; records with no key are spread over the partitions (for one group of everything, use window() on the stream)`;
  const expected = String(key);
  if (kafkaKey !== null && sameAsciiText(kafkaKey, expected)) return undefined;
  // Bytes, not decoded text: two different invalid keys decode to the same U+FFFD.
  if (kafkaKey !== null && kafkaKey.equals(Buffer.from(expected))) return undefined;
  const show = (k: string) => `'${k.length > 100 ? `${k.slice(0, 100)}…` : k}'`;
  return kafkaKey === null ? `no Kafka key, where the source key is ${show(expected)}${why}` : `Kafka key ${show(kafkaKey.toString('utf8'))} is not the source key ${show(expected)}${why}`;
}

/**
 * Whether `bytes` are `text`, for ASCII text: byte by byte, with no string made (the hot path's
 * keys are ids). False for other text too, which the caller then compares decoded.
 */
function sameAsciiText(bytes: Buffer, text: string): boolean {
  if (bytes.length !== text.length) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f || bytes[i] !== c) return false;
  }
  return true;
}
