import { startApp, freePort, runScript, type AppProcess } from './support/app-process';
import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { scrape, waitFor } from './support/http';
import { brokers, uniqueName } from './support/kafka';

// `pnpm verify` (the app's `verify` script, as a child process) against a stack of its own: with
// the pipeline stopped, with things missing, and with the pipeline running.

jest.setTimeout(90_000);

/** A line of the report: `  PASS  broker     <detail>`; `detail` is a pattern, matched from its start. */
const line = (status: 'PASS' | 'FAIL' | 'SKIP', check: string, detail: string) => new RegExp(`^ {2}${status} {2}${check.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +${detail}`, 'm');

describe('verify', () => {
  let stack: IsolatedStack | undefined;
  let app: AppProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    stack = await isolatedStack({ HTTP_PORT: String(port) });
  });

  afterAll(async () => {
    await app?.kill();
    await stack?.remove();
  });

  it('fails when the pipeline is not running, says how to start it, and sends no probe', async () => {
    const { code, output } = await runScript('verify', stack!.env);
    expect(code).toBe(1);
    for (const check of ['broker', 'topics', 'database', 'tables', 'lake directory']) expect(output).toMatch(line('PASS', check, ''));
    expect(output).toMatch(line('FAIL', 'pipeline', `not running: nothing answers at http://127\\.0\\.0\\.1:${port}/health`));
    expect(output).toContain('start it with `pnpm --filter activity-pipeline start`');
    for (const sink of ['page_view_counts', 'active_users', 'user_sessions', 'lake', stack!.enriched]) {
      expect(output).toMatch(line('SKIP', sink, 'probe not sent: needs a running pipeline'));
    }
    expect(output).toMatch(/^verify: FAILED: 5 passed, 1 failed, 5 skipped$/m);
    expect(await stack!.db.query('SELECT user_id FROM user_sessions')).toEqual([]);
  });

  it('names what is missing: topics, database', async () => {
    const missing = uniqueName('e2e-missing');
    const { code, output } = await runScript('verify', {
      ...stack!.env,
      INPUT_TOPIC: missing,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${missing.replace(/-/g, '_')}`,
    });
    expect(code).toBe(1);
    expect(output).toMatch(line('PASS', 'broker', ''));
    expect(output).toMatch(line('FAIL', 'topics', `missing: ${missing} \\(INPUT_TOPIC\\); found ${stack!.enriched}`));
    expect(output).toMatch(line('FAIL', 'database', 'postgres://.* is not reachable: database ".*" does not exist'));
    expect(output).toMatch(line('SKIP', 'tables', 'needs the database'));
  });

  it('fails naming the broker when Kafka is not reachable', async () => {
    const { code, output } = await runScript('verify', { ...stack!.env, KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
    expect(code).toBe(1);
    // The connect's own reason (not "Producer not connected", which closing a client that never connected said over it).
    expect(output).toMatch(line('FAIL', 'broker', '127\\.0\\.0\\.1:\\d+ is not reachable: broker transport failure'));
    expect(output).toMatch(line('SKIP', 'topics', 'needs the broker'));
  });

  it('passes against the running pipeline: the probe reaches every sink', async () => {
    app = await startApp(stack!.env);
    try {
      // Running, not still joining the group or opening its sinks (the sink thread loads its modules).
      const running = async () => (JSON.parse((await scrape(`${app!.baseUrl}/health`)).body) as { state: string }).state === 'running';
      await waitFor(running, 30_000, 'the pipeline to be running');
      const { code, output } = await runScript('verify', stack!.env);
      expect({ code, output }).toMatchObject({ code: 0 });
      expect(output).toMatch(line('PASS', 'pipeline', 'running'));
      expect(output).toMatch(/^ +probe verify-probe-[0-9a-f-]{36} sent to /m);
      const id = /verify-probe-([0-9a-f-]{36})/.exec(output)![1]!;
      expect(output).toMatch(line('PASS', 'page_view_counts', `/__verify/${id}: 1 view`));
      expect(output).toMatch(line('PASS', 'active_users', 'window from .* updated since the probe was sent'));
      expect(output).toMatch(line('PASS', 'user_sessions', `verify-probe-${id}: status ended, 3 events`));
      expect(output).toMatch(line('PASS', 'lake', '(in|staged in) event_date=\\d{4}-\\d{2}-\\d{2}/'));
      expect(output).toMatch(line('PASS', stack!.enriched, '3 events at'));
      expect(output).toMatch(/^verify: OK: 11 passed, 0 failed, 0 skipped$/m);

      // The probe is in the tables as the report says.
      expect(await stack!.db.query('SELECT user_id, status, event_count FROM user_sessions')).toEqual([{ user_id: `verify-probe-${id}`, status: 'ended', event_count: 3 }]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- app output ---\n${app.output()}`);
    }
    expect(await app.stop()).toBe(0);
  });

  it('uses the same settings as the app: a wrong one fails with the variable named (exit 2)', async () => {
    const { code, output } = await runScript('verify', { ...stack!.env, SESSION_TIMEOUT: 'soon', KAFKA_BROKERS: brokers });
    expect(code).toBe(2);
    expect(output).toContain("SESSION_TIMEOUT must be a duration like 500ms, 30s, 2m or 1h, got 'soon'");
  });
});
