// Staging files hold rows not yet rolled into Parquet, one JSON line per row: `[offset,row]`.
// The offset first, so recovery reads it without parsing the row; the row as the pipeline gave it
// (converted to Parquet types only when rolled).

/**
 * @example stagingLine(42, '{"user_id":"u1"}') // '[42,{"user_id":"u1"}]\n'
 */
export function stagingLine(offset: number, rowJson: string): string {
  return `[${offset},${rowJson}]\n`;
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
