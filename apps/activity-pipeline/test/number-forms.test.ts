import { ConfigError, loadConfig, settingsHelp } from '../src/config';
import { runScript } from './e2e/support/app-process';

// A count or a port is written in plain decimal. `pnpm demo -- --rate 0x10` ran the demo at 16
// events/s: its options were read with Number(), which also takes 0x10, 0o10 (8), 0b10 (2), 1e3
// and ' 16', and the settings took 010 as 10 (in C, a shell's $((…)) or old JavaScript it is 8).
// The demo's options and the numeric settings now share one reader, which refuses every such form,
// naming the option or the setting. A setting is trimmed first, as every setting is (a .env line
// often ends in a space); an option is not.

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('numeric settings', () => {
  it.each(['010', '00', '0x10', '0o10', '1e4', '+16', '16.0'])('SESSION_CACHE_USERS=%s is refused, naming it', (value) => {
    expect(problemsOf({ SESSION_CACHE_USERS: value })).toEqual([`SESSION_CACHE_USERS must be a positive integer, got '${value}'`]);
  });

  it('HTTP_PORT=09464 is refused, 0 and 9464 are ports', () => {
    expect(problemsOf({ HTTP_PORT: '09464' })).toEqual(["HTTP_PORT must be a port number (0-65535), got '09464'"]);
    expect(loadConfig({ HTTP_PORT: '0' }).httpPort).toBe(0);
    expect(loadConfig({ HTTP_PORT: ' 9464 ' }).httpPort).toBe(9464);
  });

  it('--help of start and verify says which form a number takes', () => {
    expect(settingsHelp()).toContain('Numbers are plain decimal digits');
  });
});

// A bad SESSION_TIMEOUT stops the demo as soon as it reads the settings, right after its options:
// a form these tests expect refused, were it accepted, fails them without starting the stack.
const STOP_AFTER_OPTIONS = { SESSION_TIMEOUT: 'never' };

describe('pnpm demo options', () => {
  it.each([
    ['--rate', '0x10'],
    ['--rate', '1e3'],
    ['--rate', ' 16'],
    ['--seconds', '010'],
    ['--seconds', '0o10'],
    ['--users', '1000.0'],
  ])('%s %j is refused, naming the option', async (option, value) => {
    const { code, output } = await runScript('demo', STOP_AFTER_OPTIONS, [option, value], 30_000);
    expect({ code, output }).toMatchObject({ code: 1, output: expect.stringContaining(`option '${option} <n>' argument '${value}' is invalid. expected a positive whole number`) });
    expect(output).not.toContain('invalid configuration');
  }, 40_000);

  it('takes plain decimal, and reads the settings next', async () => {
    const { code, output } = await runScript('demo', STOP_AFTER_OPTIONS, ['--rate', '16', '--seconds', '30', '--users', '100'], 30_000);
    expect({ code, output }).toMatchObject({ code: 1, output: expect.stringContaining("SESSION_TIMEOUT must be a duration like 500ms, 30s, 2m or 1h, got 'never'") });
    expect(output).not.toContain('is invalid');
  }, 40_000);
});
