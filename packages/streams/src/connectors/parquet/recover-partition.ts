import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../logging/logger';
import { isErrorCode, removeFile, replaceDurably, syncDirectory } from './durable-fs';
import type { LakeListing } from './lake-listing';
import { lakeFile, rewritingName, stagingName, type FilePartition } from './lake-files';
import { fileIdOf, takenOver, type FileId } from './owned-files';
import { lineOffset, stagingLines } from './staging-lines';

/** An input partition to recover, and the offset where processing resumes. */
export interface RecoveryTarget {
  readonly topic: string;
  readonly partition: number;
  readonly files: FilePartition;
  /** The next offset processing reads: output at or after it is about to be written again. */
  readonly resume: number;
  /** Whether the recovering writer still holds the partition: asked before each directory's changes. */
  readonly held: () => Promise<boolean>;
}

/** A staging file that survived recovery: it keeps filling. */
export interface SurvivingStaging {
  /** Partition path relative to the lake root. */
  readonly dir: string;
  readonly first: number;
  readonly last: number;
  readonly rows: number;
  /** Its identity: a new file, whoever wrote the one it replaces (see owned-files.ts). */
  readonly id: FileId;
}

interface Range {
  readonly first: number;
  readonly last: number;
}

/**
 * Brings one input partition's files in line with where processing resumes, so a replay writes
 * every row again exactly once. In each partition directory:
 * - temporary files (a roll or a rewrite a crash interrupted) go;
 * - a final file that starts at or after `resume` goes: a flush whose commit never completed made it;
 * - a final file that straddles `resume` goes too when its staging file is still there (the sink
 *   keeps a rolled staging file until the roll's commit completes, so after a crash it always is);
 *   without it (offsets moved back by hand) the file stays and its rows from `resume` on will be
 *   written twice: a warning says so;
 * - staging lines at or after `resume`, or already in a final file (a crash between a roll's rename
 *   and the staging file's removal), go; what is left is one staging file that keeps filling.
 *
 * @example await recoverPartition(root, await listLake(root), { topic: 'events', partition: 0, files, resume: 1200, held }, logger);
 */
export async function recoverPartition(root: string, listing: LakeListing, target: RecoveryTarget, logger: Logger): Promise<SurvivingStaging[]> {
  const surviving: SurvivingStaging[] = [];
  for (const [dir, names] of listing) {
    const survivor = await recoverDirectory(root, dir, names, target, logger);
    if (survivor !== undefined) surviving.push(survivor);
  }
  return surviving;
}

async function recoverDirectory(
  root: string,
  dir: string,
  names: readonly string[],
  target: RecoveryTarget,
  logger: Logger,
): Promise<SurvivingStaging | undefined> {
  const { files, resume } = target;
  const path = join(root, dir);
  const kept: Range[] = [];
  const listed: number[] = [];
  const removed: string[] = [];
  const finals: Array<Range & { name: string }> = [];
  for (const name of names) {
    const file = lakeFile(name, files);
    if (file?.kind === 'temporary') removed.push(name);
    else if (file?.kind === 'staging') listed.push(file.first);
    else if (file?.kind === 'final') finals.push({ ...file, name });
  }
  // The staging files are read before anything is removed: one gone since the listing (the rolled
  // staging of an instance the group dropped, which removed it in the moment after its last check,
  // see owned-files.ts) counts as gone, so the final file it was rolled into stays.
  const texts = new Map<number, string>();
  for (const first of listed) {
    try {
      texts.set(first, await readFile(join(path, stagingName(files, first)), 'utf8'));
    } catch (error) {
      if (!isErrorCode(error, 'ENOENT')) throw error;
    }
  }
  const staging = [...texts.keys()];
  for (const file of finals) {
    if (file.first >= resume) removed.push(file.name);
    else if (file.last < resume) kept.push(file);
    else if (staging.includes(file.first)) removed.push(file.name);
    else {
      kept.push(file);
      logger.warn('parquet sink: a final file straddles the resume offset and its staging file is gone; its rows from the resume offset on will be written again', {
        file: join(dir, file.name),
        resume,
      });
    }
  }
  // Another instance that claimed the partition since recovers it itself: this one stops.
  if ((removed.length > 0 || staging.length > 0) && !(await target.held())) throw takenOver(`${path} is no longer this writer's to recover`);
  for (const name of removed) await removeFile(join(path, name));

  staging.sort((a, b) => a - b);
  // Only final files reaching into staging's offsets matter (usually none, or the one just rolled).
  const covering = kept.filter((r) => staging.length > 0 && r.last >= staging[0]!);
  const lines: string[] = [];
  let changed = staging.length > 1;
  const seen = new Set<number>();
  for (const first of staging) {
    const text = texts.get(first)!;
    if (text.length > 0 && !text.endsWith('\n')) changed = true;
    // A row's offset in an earlier staging file wins: a crash in a rewrite leaves copies behind.
    const fromThisFile = new Set<number>();
    for (const line of stagingLines(text)) {
      const offset = lineOffset(line);
      if (seen.has(offset) || offset >= resume || covering.some((r) => offset >= r.first && offset <= r.last)) {
        changed = true;
        continue;
      }
      fromThisFile.add(offset);
      lines.push(line);
    }
    for (const offset of fromThisFile) seen.add(offset);
  }

  let survivor: SurvivingStaging | undefined;
  if (lines.length > 0) {
    const first = lineOffset(lines[0]!);
    const kept = join(path, stagingName(files, first));
    // Rewritten even when unchanged: the instance that wrote it before (one the group dropped,
    // whose late commit or close may still come) must find that it is no longer its file.
    await replaceDurably(join(path, rewritingName(files, first)), kept, `${lines.join('\n')}\n`);
    survivor = { dir, first, last: lineOffset(lines[lines.length - 1]!), rows: lines.length, id: await fileIdOf(kept) };
  }
  const obsolete = staging.filter((first) => survivor === undefined || first !== survivor.first);
  for (const first of obsolete) await removeFile(join(path, stagingName(files, first)));
  // Removals must be durable before anything is written again: a final file that came back after
  // a power loss would duplicate the rows the replay writes.
  if (removed.length > 0 || obsolete.length > 0) await syncDirectory(path);
  if (removed.length > 0 || changed) {
    logger.info('parquet sink: recovered input partition files', {
      dir,
      partition: `${target.topic}:${target.partition}`,
      resume,
      removed,
      stagingRows: lines.length,
    });
  }
  return survivor;
}
