import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { SETTINGS } from '../src/config';
import { scriptCommand } from '../src/script-command';

const APP_DIR = resolve(__dirname, '..');

/** Runs one of the app's scripts as `pnpm <script> -- <args>` would, without pnpm. */
function runScript(name: string, args: readonly string[], extraEnv: Record<string, string> = {}) {
  const { command, args: scriptArgs, env } = scriptCommand(APP_DIR, name, {});
  return spawnSync(command, [...scriptArgs, ...args], { cwd: APP_DIR, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, ...extraEnv } });
}

describe('--help on every command of the app', () => {
  it.each([
    ['start', ['--help']],
    ['verify', ['--help']],
    ['start', ['--', '--help']], // as `pnpm --filter activity-pipeline start -- --help` passes it
    ['verify', ['--', '--help']],
    ['replay-dead-letters', ['--help']],
    ['replay-dead-letters', ['--', '--help']],
  ])('%s %j describes it and every setting, and starts nothing', (script, args) => {
    const result = runScript(script, args);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: /);
    for (const name of Object.keys(SETTINGS)) expect(result.stdout).toContain(name);
    expect(result.stdout).not.toMatch(/kafka streams started|activity-pipeline verify:|replay-dead-letters: /);
  });

  it.each([[['--help']], [['--', '--help']]])('demo %j lists its options and starts nothing', (args) => {
    const result = runScript('demo', args);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: demo/);
    for (const option of ['--seconds', '--rate', '--users']) expect(result.stdout).toContain(option);
    expect(result.stdout).not.toContain('==> Local stack');
  });

  it.each([
    ['start', ['--rate', '10'], /unknown option '--rate'/],
    ['verify', ['--timeout'], /option '--timeout <duration>' argument missing/],
    ['verify', ['--', '--verbose'], /unknown option '--verbose'/],
    ['demo', ['--seconds', 'soon'], /--seconds <n>.*expected a positive whole number/],
    ['verify', ['--timeout', '30'], /--timeout must be a duration like/], // not 30 ms
    ['replay-dead-letters', ['--reason', '(unclosed'], /option '--reason <regex>' argument '\(unclosed' is invalid\. Invalid regular expression/],
    ['replay-dead-letters', ['--to', 'elsewhere'], /unknown option '--to'/],
  ])('%s %j fails at once and says why', (script, args, message) => {
    const result = runScript(script, args);
    // start's and verify's usage errors are exit code 2 like their configuration errors; demo's exit 1.
    expect(result.status).toBe(script === 'demo' ? 1 : 2);
    expect(result.stderr).toMatch(message);
  });
});

describe('verify --timeout', () => {
  it('is a usage error (exit 2) before the settings are read: a wrong setting does not hide it', () => {
    const result = runScript('verify', ['--timeout', '30'], { SESSION_TIMEOUT: '30' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--timeout must be a duration like 500ms, 30s, 2m or 1h, got '30'");
    expect(result.stderr).not.toContain('invalid configuration');
  });

  it('shows its default as a duration', () => {
    expect(runScript('verify', ['--help']).stdout).toMatch(/--timeout <duration>[\s\S]*\(default: 30s\)/);
  });
});

describe('start with HTTP_PORT taken', () => {
  it('stops at once naming HTTP_PORT, exit code 2, not with a stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '0.0.0.0', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const { command, args, env } = scriptCommand(APP_DIR, 'start', {});
      // Nothing is contacted before the HTTP server: no broker or database needed.
      const child = spawn(command, args, { cwd: APP_DIR, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, HTTP_PORT: String(port), LOG_FORMAT: 'json', KAFKA_BROKERS: '127.0.0.1:1' } });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect({ code, output }).toMatchObject({ code: 2, output: expect.stringContaining(`HTTP_PORT ${port} cannot be used (EADDRINUSE)`) });
      expect(output).not.toContain('at Server.listen');
    } finally {
      taken.close();
    }
  }, 30_000);
});

describe("the start script's command", () => {
  it('runs this Node with MALLOC_ARENA_MAX=2 unless the environment sets it', () => {
    expect(scriptCommand(APP_DIR, 'start', {})).toMatchObject({ command: process.execPath, env: { MALLOC_ARENA_MAX: '2' } });
    expect(scriptCommand(APP_DIR, 'start', { MALLOC_ARENA_MAX: '8' }).env).toEqual({ MALLOC_ARENA_MAX: '8' });
    expect(scriptCommand(APP_DIR, 'start', {}).args).toEqual(expect.arrayContaining(['--heap-growing-percent=50', 'src/main.ts']));
  });
});

describe('a configuration error at start', () => {
  // Before the logger exists, it was plain text even where every other line is JSON for a
  // collector: the one line saying why the app stopped was the one it could not parse.
  it('is one JSON line (level error, the problems listed) where the logs are JSON', () => {
    const result = runScript('start', [], { LOG_FORMAT: 'json', HTTP_PORT: '70000', SESSION_STORE: 'disk' });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'error',
      message: 'invalid configuration',
      problems: ["SESSION_STORE must be one of sqlite, memory, got 'disk'", expect.stringMatching(/^HTTP_PORT must be /)],
      app: 'activity-pipeline',
      component: 'app',
      timestamp: expect.any(String),
    });
  });

  it('is plain text with LOG_FORMAT=pretty', () => {
    const result = runScript('start', [], { LOG_FORMAT: 'pretty', SESSION_STORE: 'disk' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("activity-pipeline: invalid configuration:\n  - SESSION_STORE must be one of sqlite, memory, got 'disk'\n");
  });
});
