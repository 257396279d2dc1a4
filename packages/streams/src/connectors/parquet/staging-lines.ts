import { isAscii } from 'node:buffer';
import { open } from 'node:fs/promises';

// Staging files hold rows not yet rolled into Parquet, one JSON line per row: `[offset,row]`.
// The offset first, so recovery reads it without parsing the row; the row as the pipeline gave it
// (converted to Parquet types only when rolled).

/**
 * @example stagingLine(42, '{"user_id":"u1"}') // '[42,{"user_id":"u1"}]\n'
 */
export function stagingLine(offset: number, rowJson: string): string {
  return `[${offset},${rowJson}]\n`;
}

/**
 * The staging lines of `values[start..end)`, UTF-8 encoded into one buffer as they are made: one
 * append of a flush, with no long string to build and then encode. `columns`: the schema's
 * properties (see `rowJson`).
 * @example await appendToOwnStaging(path, encodeStagingLines([{ user_id: 'u1' }], [42], 0, 1, ['user_id']), segment.stagingId, held);
 */
export function encodeStagingLines(values: readonly unknown[], offsets: readonly number[], start: number, end: number, columns: readonly string[]): Uint8Array {
  let buffer = Buffer.allocUnsafe(Math.max(4096, (end - start) * 160));
  let length = 0;
  for (let i = start; i < end; i++) {
    const line = stagingLine(offsets[i]!, rowJson(values[i], columns));
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (length + line.length * 3 > buffer.length) {
      const larger = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + line.length * 3));
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
    length += buffer.write(line, length);
  }
  return buffer.subarray(0, length);
}

/**
 * A row as JSON. Properties outside the schema are not written to the files, but are staged as
 * they come (no filter on the hot path), unless JSON cannot hold one (a bigint, a cycle): then the
 * row is staged with its schema's properties only, which `write` checked, rather than fail every
 * flush from then on, and every replay of it.
 */
function rowJson(value: unknown, columns: readonly string[]): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(value, columns as string[]);
  }
}

/**
 * A staging file's text. Mostly it is ASCII (ids, URLs, ISO times): then it is decoded as such,
 * which is ~30 times faster than as UTF-8 here, and JSON.parse reads the result faster too.
 * @example stagingText(await readFile(path))
 */
export function stagingText(data: Buffer): string {
  return isAscii(data) ? data.toString('ascii') : data.toString('utf8');
}

/** The input offset of a staging line. */
export function lineOffset(line: string): number {
  return Number(line.slice(1, line.indexOf(',')));
}

/**
 * The complete lines of a staging file's text, without their `\n`. A last line with no `\n` was
 * torn by a crash in the middle of an append: it belongs to a flush that never completed, so it is
 * left out (recovery rewrites the file without it).
 * @example stagingLines('[1,{}]\n[2,{') // ['[1,{}]']
 */
export function stagingLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

/** Bytes a roll reads of a staging file at a time (a file of 100,000 activity events is ~13 MB). */
const STAGING_CHUNK_BYTES = 1 << 20;

/**
 * The complete lines of a staging file, read a chunk at a time: what a roll holds of the file is
 * one chunk, not the whole text. Each chunk is decoded up to its last `\n` (a byte that never
 * occurs inside a multi-byte UTF-8 character), the rest carried into the next one. As with
 * `stagingLines`, a last line with no `\n` (torn by a crash) is left out.
 * @example for await (const lines of readStagingLines(path)) for (const line of lines) rows.addLine(line);
 */
export async function* readStagingLines(path: string, chunkBytes = STAGING_CHUNK_BYTES): AsyncGenerator<string[]> {
  const handle = await open(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let carried = 0;
    for (;;) {
      if (carried === buffer.length) {
        // A line longer than a chunk: a larger buffer for it.
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, carried);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, carried, buffer.length - carried, null);
      // The end of the file. What is carried has no `\n`: a torn line, left out.
      if (bytesRead === 0) return;
      const filled = carried + bytesRead;
      const end = buffer.subarray(0, filled).lastIndexOf(0x0a);
      if (end >= 0) {
        yield stagingLines(stagingText(buffer.subarray(0, end + 1)));
        carried = filled - end - 1;
        buffer.copy(buffer, 0, end + 1, filled);
      } else {
        carried = filled;
      }
    }
  } finally {
    await handle.close();
  }
}
