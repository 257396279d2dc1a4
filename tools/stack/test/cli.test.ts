import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_PARTITIONS, parsePartitions } from '../src/settings';

const STACK_DIR = path.resolve(__dirname, '..');

/** `pnpm stack <args>`, without pnpm. */
function stack(args: readonly string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: STACK_DIR,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
}

describe('the stack CLI with a bad STACK_PARTITIONS', () => {
  it('still runs the commands that do not create topics', () => {
    const help = stack(['down', '--help'], { STACK_PARTITIONS: 'x' });
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('refuses `up` naming the variable, without a stack trace, before starting anything', () => {
    const up = stack(['up'], { STACK_PARTITIONS: '0' });
    expect(up.status).not.toBe(0);
    expect(up.stderr).toContain('STACK_PARTITIONS');
    expect(up.stderr).toContain('must be a positive integer');
    expect(up.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('the partition count of `stack up`', () => {
  it('is the default for an empty STACK_PARTITIONS, as compose reads `${STACK_PARTITIONS:-3}`', () => {
    expect(parsePartitions('', 'STACK_PARTITIONS')).toBe(DEFAULT_PARTITIONS);
    expect(parsePartitions('  ', 'STACK_PARTITIONS')).toBe(DEFAULT_PARTITIONS);
    expect(parsePartitions('6', 'STACK_PARTITIONS')).toBe(6);
    expect(() => parsePartitions('0', 'STACK_PARTITIONS')).toThrow('STACK_PARTITIONS must be a positive integer, got "0"');
  });
});
