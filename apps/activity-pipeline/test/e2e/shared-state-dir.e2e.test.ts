import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { runScript, startApp, type AppProcess } from './support/app-process';

jest.setTimeout(120_000);

/**
 * Two single-instance pipelines on one STATE_DIR would write the same task logs, and the second's
 * restore would cut a commit the first has prepared. The second stops at start with exit 2, naming
 * STATE_DIR, before it joins the group: the first goes on without a rebalance.
 */
describe('a second instance on the same STATE_DIR', () => {
  let stack: IsolatedStack;
  let first: AppProcess | undefined;

  beforeAll(async () => {
    stack = await isolatedStack();
  });
  afterAll(async () => {
    await first?.kill();
    await stack?.remove();
  });

  it('exits 2 naming STATE_DIR and the holder, and the running instance is not disturbed', async () => {
    first = await startApp(stack.env);
    const deadline = Date.now() + 60_000;
    while (!first.logs.some((l) => l.message === 'partitions assigned') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(first.logs.some((l) => l.message === 'partitions assigned')).toBe(true);
    const assignedBefore = first.logs.filter((l) => l.message === 'partitions assigned').length;

    // The holder runs, so the newcomer waits the 5 s a holder that is stopping may take, then refuses.
    const second = await runScript('start', { ...stack.env, LOG_FORMAT: 'json' }, [], 60_000);
    expect(second.code).toBe(2);
    expect(second.output).toContain('the local state is held by another process');
    expect(second.output).toContain(`STATE_DIR ${stack.env.STATE_DIR} is in use by another instance of ${stack.env.APPLICATION_ID}`);
    expect(second.output).toMatch(/is in use by process \d+ on host /);
    expect(second.output).not.toContain('partitions assigned');

    expect(first.logs.filter((l) => l.message === 'partitions assigned')).toHaveLength(assignedBefore);
    expect(first.logs.some((l) => l.message === 'partitions revoked: committed and released')).toBe(false);
    expect(await first.stop()).toBe(0);
    first = undefined;
  });
});
