import { createReadStream, statSync } from 'node:fs';
import { open, readFile, rename, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

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
/** `sizeOf` without waiting: for a decision that must be made before anything else runs. */
export function sizeOfSync(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

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
  await syncDirectory(dirname(to));
}

/** Makes the directory's entries (files created, renamed or deleted in it) durable. */
export async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Writes all of `data` (a short write, e.g. on a full disk, is continued or fails; never ignored); returns its bytes. */
export async function writeAll(handle: FileHandle, data: string): Promise<number> {
  const buffer = Buffer.from(data, 'utf8');
  for (let offset = 0; offset < buffer.length; ) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    if (bytesWritten <= 0) throw new Error(`write made no progress (${offset} of ${buffer.length} bytes written)`);
    offset += bytesWritten;
  }
  return buffer.length;
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
        bytes += await writeAll(handle, chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) bytes += await writeAll(handle, chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes;
}

/**
 * The complete lines of a file, a line at a time, each with the byte offset just after its
 * newline. Bytes after the last newline (a torn write, possibly cut inside a character) are not
 * returned. Lines are split on raw bytes and decoded whole, so offsets are exact. Nothing if the
 * file does not exist.
 */
export async function* readLines(path: string): AsyncGenerator<{ line: string; end: number }> {
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  /** The bytes of the line not finished yet, chunk by chunk (a log line can be tens of MB: no copying as it grows). */
  let pending: Buffer[] = [];
  let offset = 0; // file offset of the current chunk's first byte
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        const line = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        yield { line: line.toString('utf8'), end: offset + nl + 1 };
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
      offset += chunk.length;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  } finally {
    // Also when the caller stops early: close the file now, not when the stream is collected.
    input.destroy();
  }
}

/** The file's last byte, or undefined when it is empty or missing. */
export async function lastByte(path: string): Promise<number | undefined> {
  const size = await sizeOf(path);
  if (size === 0) return undefined;
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1);
    await handle.read(buffer, 0, 1, size - 1);
    return buffer[0];
  } finally {
    await handle.close();
  }
}

/** The first line of a file (a snapshot's header), or undefined. */
export async function firstLine(path: string): Promise<string | undefined> {
  for await (const { line } of readLines(path)) return line;
  return undefined;
}

/**
 * The last complete line of a file, the offset where it starts and the one just after its
 * newline, read from the end (a log can be hundreds of MB). Undefined when the file has no
 * complete line.
 */
export async function lastLine(path: string): Promise<{ line: string; start: number; end: number } | undefined> {
  const size = await sizeOf(path);
  if (size === 0) return undefined;
  const handle = await open(path, 'r');
  try {
    for (let window = 64 * 1024; ; window *= 4) {
      const from = Math.max(0, size - window);
      const buffer = Buffer.alloc(size - from);
      await handle.read(buffer, 0, buffer.length, from);
      const end = buffer.lastIndexOf(0x0a);
      if (end < 0 && from === 0) return undefined; // no complete line
      // The newline before the last one; at end 0 there is none in this window.
      const previous = end <= 0 ? -1 : buffer.lastIndexOf(0x0a, end - 1);
      if (end >= 0 && (previous >= 0 || from === 0)) return { line: buffer.toString('utf8', previous + 1, end), start: from + previous + 1, end: from + end + 1 };
    }
  } finally {
    await handle.close();
  }
}
