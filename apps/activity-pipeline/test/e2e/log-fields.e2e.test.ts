import { startApp, type AppProcess } from './support/app-process';
import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { produce } from './support/kafka';
import { scrape, waitFor } from './support/http';
import { A_DAY_AGO } from './support/event-time';

// What a log collector gets from a run (LOG_FORMAT=json, as off a terminal): one JSON object a
// line, each with level, message, timestamp, and the component that wrote it (the app, the
// runtime, a sink, the status line, PostgreSQL's pool), so an operator can filter the runtime's
// lines from a sink's. No line gives DATABASE_URL's password, and the records are not logged one by one.

jest.setTimeout(90_000);

const PASSWORD = 'pw-9f3a1c';
const COMPONENTS = ['app', 'runtime', 'sink', 'status', 'postgres'];

let stack: IsolatedStack | undefined;
let app: AppProcess | undefined;
afterAll(async () => {
  await app?.kill();
  await stack?.remove();
});

it('every log line is a JSON object with level, message, timestamp and component, and none holds the database password', async () => {
  stack = await isolatedStack({ STATUS_INTERVAL: '300ms' }, 1);
  // The local PostgreSQL trusts its local users: the password is sent and ignored.
  const databaseUrl = stack.env.DATABASE_URL!.replace('postgres://postgres@', `postgres://postgres:${PASSWORD}@`);
  const at = A_DAY_AGO;
  const records = Array.from({ length: 300 }, (_, i) => ({
    partition: 0,
    key: `u${i % 7}`,
    value: Buffer.from(i % 10 === 0 ? `not json ${i}` : JSON.stringify({ event_time: at, user_id: `u${i % 7}`, page_url: '/a', event_type: 'page_view' })),
  }));
  await produce(stack.input, records);
  app = await startApp({ ...stack.env, DATABASE_URL: databaseUrl });
  await waitFor(async () => /^streams_records_total 300$/m.test((await scrape(`${app!.baseUrl}/metrics`)).body), 30_000, 'all 300 records read');
  await waitFor(() => app!.logs.some((l) => l.message === 'status' && l.records === 300), 10_000, 'a status line after them');
  expect(await app.stop()).toBe(0);

  const lines = app.output().split('\n').filter((l) => l.trim() !== '');
  expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
  for (const line of lines) {
    const fields = JSON.parse(line) as Record<string, unknown>;
    expect({ line, level: typeof fields.level, message: typeof fields.message, timestamp: typeof fields.timestamp, component: COMPONENTS.includes(fields.component as string) }).toEqual({
      line,
      level: 'string',
      message: 'string',
      timestamp: 'string',
      component: true,
    });
  }
  const of = (message: string) => app!.logs.filter((l) => l.message === message).map((l) => l.component);
  expect({ status: [...new Set(of('status'))], runtime: of('kafka streams started'), app: of('serving /metrics and /health') }).toEqual({ status: ['status'], runtime: ['runtime'], app: ['app'] });
  expect(app.output()).not.toContain(PASSWORD);
  // 300 records, 30 of them dead letters: a handful of lines at start and stop, and the status lines.
  expect(lines.filter((l) => !l.includes('"message":"status"')).length).toBeLessThan(30);
});
