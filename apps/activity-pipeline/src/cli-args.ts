/**
 * The command-line arguments a user gave, without a leading `--`: `pnpm verify -- --timeout 1m`
 * and `pnpm --filter activity-pipeline start -- --help` pass it through to the script.
 */
export function userArgs(argv: readonly string[] = process.argv): string[] {
  const args = argv.slice(2);
  return args[0] === '--' ? args.slice(1) : args;
}
