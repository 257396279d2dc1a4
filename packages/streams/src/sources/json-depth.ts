/**
 * The deepest nesting of arrays and objects a source takes; deeper JSON is dead-lettered. JSON.parse
 * reads any depth, but what handles a record after it recurses: structured clone (the hand-over to
 * a sink thread) overflows the stack at ~2,000 nested objects, JSON.stringify (repartition topics,
 * changelogs, Kafka sinks) at ~4,000. Such a record would fail there at every replay. 1,000 is
 * Jackson's default limit (StreamReadConstraints), with twice that room to spare.
 */
export const MAX_JSON_DEPTH = 1000;

const OPEN_BRACKET = 0x5b; // [
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACKET = 0x5d; // ]
const CLOSE_BRACE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether valid JSON (JSON.parse took it) nests arrays and objects deeper than `limit`, the
 * outermost counting as one. Reads the bytes, not the parsed value: brackets in strings are
 * skipped, and no byte of a multi-byte UTF-8 character is ASCII. Nesting deeper than `limit` needs
 * more than 2 * limit bytes, so shorter records, nearly all of them, are not read at all.
 *
 * @example nestedDeeperThan(Buffer.from('{"a":[[1]]}'), 2) // true
 */
export function nestedDeeperThan(json: Buffer, limit: number): boolean {
  if (json.length <= 2 * limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const b = json[i]!;
    if (inString) {
      if (b === BACKSLASH) i++; // the escaped character, a quote included, is part of the string
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACKET || b === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) depth--;
  }
  return false;
}
