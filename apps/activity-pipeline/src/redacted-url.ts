/**
 * A connection URL fit to print: its password (in the user part, or a `password=` parameter) is
 * `***`. Also for a URL that does not parse, which is the one most likely to be printed, in the
 * error that says so.
 * @example redactedUrl('postgres://app:secret@db:5432/pipeline') // 'postgres://app:***@db:5432/pipeline'
 */
export function redactedUrl(url: string): string {
  // The password runs to the last '@': one with an unencoded '/', '?', '#' or '@' (a generated
  // password) is what makes the URL fail to parse, and must not show in the error that says so.
  return url.replace(/^([^:/?#]+:\/\/[^:/?#@]*):.*@/, '$1:***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}
