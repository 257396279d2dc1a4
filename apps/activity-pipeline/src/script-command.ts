import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A package.json script as a command to spawn: the program, its arguments, and the environment the script sets. */
export interface ScriptCommand {
  readonly command: string;
  readonly args: string[];
  /** What an `env NAME=value …` prefix sets (`${NAME:-default}` taken from `environment`). */
  readonly env: Record<string, string>;
}

/** `value`, or for `${NAME:-default}` the variable from `environment` or else the default, as sh expands it. */
function expand(value: string, environment: NodeJS.ProcessEnv): string {
  const parameter = /^\$\{(\w+):-([^}]*)\}$/.exec(value);
  if (parameter === null) return value;
  const set = environment[parameter[1]!];
  return set === undefined || set === '' ? parameter[2]! : set;
}

/**
 * The command of one of the app's package.json scripts, to spawn it directly rather than through
 * pnpm (so that SIGTERM reaches the app, and the script's node flags apply): `exec [env NAME=value…] node …`
 * runs this Node binary with those variables; another command is a package binary from the app's
 * node_modules/.bin. `environment` is what `${NAME:-default}` in the prefix reads (the spawned
 * process's environment, usually).
 */
export function scriptCommand(appDir: string, name: string, environment: NodeJS.ProcessEnv = process.env): ScriptCommand {
  const scripts = (JSON.parse(readFileSync(resolve(appDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  const script = scripts[name];
  if (script === undefined) throw new Error(`no script '${name}' in ${resolve(appDir, 'package.json')}`);
  const words = script.replace(/^exec\s+/, '').split(/\s+/);
  const env: Record<string, string> = {};
  if (words[0] === 'env') {
    words.shift();
    while (words.length > 0 && /^\w+=/.test(words[0]!)) {
      const [variable, ...value] = words.shift()!.split('=');
      env[variable!] = expand(value.join('='), environment);
    }
  }
  const [bin, ...args] = words;
  return { command: bin === 'node' ? process.execPath : resolve(appDir, 'node_modules/.bin', bin!), args, env };
}
