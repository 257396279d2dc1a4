/**
 * A connection URL fit to print: its password (in the user part, or a `password=` parameter) is
 * `***`. Also for a URL that does not parse, which is the one most likely to be printed, in the
 * error that says so.
 * @example redactedUrl('postgres://app:secret@db:5432/pipeline') // 'postgres://app:***@db:5432/pipeline'
 */
export function redactedUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  // `jdbc:postgresql://…` parses too, but as an opaque path: the parser sees no user part in it.
  const shown = parsed && url.slice(parsed.protocol.length).startsWith('//') ? withPasswordHidden(parsed) : withUserPartHidden(url);
  return shown.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** The parser knows where the password is, even with an '@' in the user name (`user@server`). */
function withPasswordHidden(url: URL): string {
  if (url.password === '') return url.href;
  url.password = '***';
  return url.href;
}

/**
 * Where the URL does not parse (or not as scheme://authority), nothing says where its user part ends: a generated password may
 * hold an unencoded '/', '?', '#' or '@', which is what broke it. Everything between the scheme's
 * '//' and the last '@' goes, the user name too: better to hide too much than to show a password.
 */
function withUserPartHidden(url: string): string {
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  return start === -1 || at < start ? url : `${url.slice(0, start + 3)}***@${url.slice(at + 1)}`;
}
