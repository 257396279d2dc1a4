const WHOLE = /^(?:0|[1-9]\d*)$/;

/**
 * The whole number `text` writes in plain decimal (digits, no sign, no leading zero but in 0
 * itself), or undefined: also for one beyond 2^53, which a number cannot hold exactly. Number()
 * and parseInt read far more: '0x10' (16), '0o10' (8), '0b10', '1e3', ' 16 ', '16.0', '' (0), and
 * '010', which C, a shell's $((…)) and old JavaScript read as 8. The settings' numbers and the
 * demo's options are read through this one check.
 * @example parseWholeNumber('16') // 16
 * @example parseWholeNumber('0x10') // undefined
 */
export function parseWholeNumber(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
