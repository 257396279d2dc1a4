import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

/** File helpers of the local state backend: durable writes, and logs read a line at a time. */

export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The file's size in bytes, 0 when it does not exist. */
export async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Write to a temporary file, fsync, rename over the target: readers see the old or the new file, whole. */
export async function writeDurably(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, content);
  const handle = await open(tmp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await renameDurably(tmp, path);
}

/** A rename is durable only once its directory is synced. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  const dir = await open(dirname(to), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Writes `lines` (each without its newline) to a new file in chunks of about 1 MiB and fsyncs it;
 * returns the bytes written. Memory stays at one chunk whatever the number of lines.
 */
export async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const handle = await open(path, 'w');
  let bytes = 0;
  try {
    let chunk = '';
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length >= 1 << 20) {
        bytes += (await handle.write(chunk)).bytesWritten;
        chunk = '';
      }
    }
    if (chunk.length > 0) bytes += (await handle.write(chunk)).bytesWritten;
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes;
}

/**
 * The complete lines of a file, a line at a time, each with the byte offset just after its
 * newline. A last line without a newline (a torn write) is not returned. Nothing if the file does
 * not exist.
 */
export async function* readLines(path: string): AsyncGenerator<{ line: string; end: number }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (size === 0) return;
  const input = createReadStream(path, { end: size - 1 });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    let position = 0;
    for await (const line of lines) {
      const end = position + Buffer.byteLength(line, 'utf8') + 1;
      if (end > size) return; // the file's last bytes are not newline-terminated: torn
      position = end;
      yield { line, end };
    }
  } finally {
    // Also when the caller stops early: close the file now, not when the stream is collected.
    lines.close();
    input.destroy();
  }
}

/** The first line of a file (a snapshot's header), or undefined. */
export async function firstLine(path: string): Promise<string | undefined> {
  for await (const { line } of readLines(path)) return line;
  return undefined;
}
