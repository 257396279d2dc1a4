// The names of the files the sink writes. Every name carries the input partition it came from, so
// instances that read different partitions share a lake without ever touching each other's files,
// and recovery finds a partition's files by name alone.
//
//   part-<topic>-<partition>-<first>-<last>.parquet       final: rows of offsets first..last
//   .part-<topic>-<partition>-<first>-<last>.parquet.tmp  being written (hidden from readers)
//   .staging-<topic>-<partition>-<first>.jsonl            staging: rows not yet in Parquet
//   .staging-<topic>-<partition>-<first>.jsonl.tmp        a staging file being rewritten by recovery

/** The input partition a file belongs to, spelled as in file names. */
export interface FilePartition {
  /** `<topic>-<partition>` with the topic's unusual characters %-encoded. */
  readonly stem: string;
}

export type LakeFile =
  | { readonly kind: 'final'; readonly first: number; readonly last: number }
  | { readonly kind: 'staging'; readonly first: number }
  | { readonly kind: 'temporary' };

/**
 * @example filePartition('events', 3).stem // 'events-3'
 */
export function filePartition(topic: string, partition: number): FilePartition {
  // Kafka topic names are [A-Za-z0-9._-] already; anything else (tests, other sources) is %-encoded.
  const topicPart = topic.replace(/[^A-Za-z0-9._-]/gu, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  return { stem: `${topicPart}-${partition}` };
}

export const finalName = (p: FilePartition, first: number, last: number): string => `part-${p.stem}-${first}-${last}.parquet`;
export const writingName = (p: FilePartition, first: number, last: number): string => `.${finalName(p, first, last)}.tmp`;
export const stagingName = (p: FilePartition, first: number): string => `.staging-${p.stem}-${first}.jsonl`;
export const rewritingName = (p: FilePartition, first: number): string => `${stagingName(p, first)}.tmp`;

const FINAL = /^(\d+)-(\d+)\.parquet$/;
const STAGING = /^(\d+)\.jsonl$/;
const TEMPORARY = /^\d+(-\d+\.parquet|\.jsonl)\.tmp$/;

/**
 * What a file name is for the given input partition, or `undefined` when it belongs to another
 * one (or is not the sink's). Names are unambiguous although topics may hold `-`: the number of
 * numeric fields after the stem is fixed.
 *
 * @example lakeFile('part-events-0-10-99.parquet', filePartition('events', 0)) // { kind: 'final', first: 10, last: 99 }
 */
export function lakeFile(name: string, p: FilePartition): LakeFile | undefined {
  let m: RegExpExecArray | null;
  if (name.startsWith(`part-${p.stem}-`) && (m = FINAL.exec(name.slice(p.stem.length + 6)))) {
    return { kind: 'final', first: Number(m[1]), last: Number(m[2]) };
  }
  if (name.startsWith(`.staging-${p.stem}-`)) {
    const rest = name.slice(p.stem.length + 10);
    if ((m = STAGING.exec(rest))) return { kind: 'staging', first: Number(m[1]) };
    if (TEMPORARY.test(rest)) return { kind: 'temporary' };
  }
  if (name.startsWith(`.part-${p.stem}-`) && TEMPORARY.test(name.slice(p.stem.length + 7))) return { kind: 'temporary' };
  return undefined;
}
