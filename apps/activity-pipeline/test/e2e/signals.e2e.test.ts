import type { ChildProcess } from 'node:child_process';
import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { spawnScript } from './support/app-process';

jest.setTimeout(90_000);

/**
 * Ctrl-C in a terminal sends SIGINT to the whole process group: under `pnpm --filter
 * activity-pipeline start` the app gets it from the terminal and again from pnpm, which relays it
 * to its child, milliseconds apart. That is one request to stop, and must give the clean stop
 * (flush, commit, exit 0), not the forced exit (130) that a second request gives.
 */
describe('stop signals', () => {
  let stack: IsolatedStack;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    stack = await isolatedStack();
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.remove();
  });

  it('takes the same SIGINT twice within a moment (the terminal and pnpm) for one clean stop', async () => {
    child = spawnScript('start', stack.env);
    let output = '';
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const deadline = Date.now() + 60_000;
    while (!output.includes('"partitions assigned"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('"partitions assigned"');

    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');

    expect(await exited).toBe(0);
    expect(output).toContain('"message":"stopped"');
    expect(output).not.toContain('exiting without a clean stop');
  });
});
