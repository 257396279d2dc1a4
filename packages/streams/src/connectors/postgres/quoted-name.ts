/**
 * `schema.table` as a quoted identifier for `to_regclass`, which would otherwise fold it to lower
 * case; the sink's statements quote names the same way (kysely quotes every identifier).
 * @example quotedName('analytics.Counts') // '"analytics"."Counts"'
 */
export function quotedName(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}
