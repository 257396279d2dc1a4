import { isKeyText } from '../src/key-text';

// isKeyText replaced three reads of each key (an includes, a \p{Cs} regular expression and
// Buffer.byteLength) with one pass; the three are its model.
const model = (v: string, maxBytes: number) => !v.includes('\u0000') && !/\p{Cs}/u.test(v) && Buffer.byteLength(v, 'utf8') <= maxBytes;

/** UTF-16 code units that matter: NUL, surrogate halves, the edges of each UTF-8 length. */
const EDGES = [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff];

it('agrees with includes, \\p{Cs} and Buffer.byteLength on 50,000 seeded UTF-16 texts and limits', () => {
  let x = 42;
  const rand = (n: number) => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % n);
  const disagree: Array<{ codes: number[]; maxBytes: number }> = [];
  for (let run = 0; run < 50_000; run++) {
    const codes = Array.from({ length: rand(41) }, () => (rand(2) === 0 ? EDGES[rand(EDGES.length)]! : rand(0x10000)));
    const text = String.fromCharCode(...codes);
    const maxBytes = rand(131);
    if (isKeyText(text, maxBytes) !== model(text, maxBytes)) disagree.push({ codes, maxBytes });
  }
  expect(disagree).toEqual([]);
});

it('counts UTF-8 bytes at the limit: 683 euro signs are 2,049 bytes, an emoji 4', () => {
  expect(isKeyText('€'.repeat(682), 2048)).toBe(true);
  expect(isKeyText('€'.repeat(683), 2048)).toBe(false);
  expect(isKeyText('😀'.repeat(512), 2048)).toBe(true);
  expect(isKeyText(`${'😀'.repeat(511)}abcde`, 2048)).toBe(false);
  expect(isKeyText('\ud83d', 2048)).toBe(false);
  expect(isKeyText('\ude00\ud83d', 2048)).toBe(false);
  expect(isKeyText('a\u0000', 2048)).toBe(false);
});
