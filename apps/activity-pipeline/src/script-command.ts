import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The command of one of the app's package.json scripts, to spawn it directly rather than through
 * pnpm (so that SIGTERM reaches the app, and the script's node flags apply): `exec node …` runs this
 * Node binary; another command is a package binary from the app's node_modules/.bin.
 */
export function scriptCommand(appDir: string, name: string): { command: string; args: string[] } {
  const scripts = (JSON.parse(readFileSync(resolve(appDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  const script = scripts[name];
  if (script === undefined) throw new Error(`no script '${name}' in ${resolve(appDir, 'package.json')}`);
  const [bin, ...args] = script.replace(/^exec\s+/, '').split(/\s+/);
  return { command: bin === 'node' ? process.execPath : resolve(appDir, 'node_modules/.bin', bin!), args };
}
