import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript, startApp } from './e2e/support/app-process';

// A DATABASE_URL whose server cannot be reached is a setting to fix, like one that does not parse.
// The start went on regardless: the runtime started, the postgres sinks retried their open for
// about 18 s, and the app exited 1 with 'postgres sink page_view_counts: open failed after 8
// attempts: connection refused to 127.0.0.1:1 (ECONNREFUSED)', naming a sink and an address, not
// the setting. The start now waits for the database before the runtime starts (as long as a sink
// would: a server still starting is no error), then refuses with exit code 2 naming DATABASE_URL,
// the URL without its password, and the reason. A database that does not exist is refused at once.

const SECRET = 's3cr%t';

async function start(databaseUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'database-unreachable-'));
  try {
    return await runScript(
      'start',
      {
        DATABASE_URL: databaseUrl,
        // No broker either: the check must come before the runtime, and the test must not join a real group.
        KAFKA_BROKERS: '127.0.0.1:1',
        APPLICATION_ID: 'database-unreachable-test',
        LAKE_DIR: join(dir, 'lake'),
        STATE_DIR: join(dir, 'state'),
        HTTP_PORT: '0',
        LOG_FORMAT: 'json',
      },
      [],
      45_000,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('a DATABASE_URL nothing answers at stops the start with exit code 2 once the tries are used up, naming DATABASE_URL and why, without the password', async () => {
  const { code, output } = await start(`postgres://app:${SECRET}@127.0.0.1:1/pipeline`);
  expect({ code, output }).toMatchObject({
    code: 2,
    output: expect.stringContaining(
      "DATABASE_URL must be a PostgreSQL database this host can connect to, got 'postgres://app:***@127.0.0.1:1/pipeline' (postgres: connect failed after 8 attempts: connection refused to 127.0.0.1:1 (ECONNREFUSED))",
    ),
  });
  expect(output).toContain('postgres: connect failed, retrying');
  expect(output).not.toContain(SECRET);
  expect(output).not.toContain('kafka streams started');
}, 60_000);

it('a DATABASE_URL naming a database that does not exist stops the start at once', async () => {
  const started = Date.now();
  const { code, output } = await start('postgres://postgres@127.0.0.1:5432/no_such_database_for_this_test');
  expect({ code, output }).toMatchObject({
    code: 2,
    // As the JSON log line writes it: its quotes escaped.
    output: expect.stringContaining(
      JSON.stringify(
        `DATABASE_URL must be a PostgreSQL database this host can connect to, got 'postgres://postgres@127.0.0.1:5432/no_such_database_for_this_test' (postgres: database "no_such_database_for_this_test" does not exist (3D000))`,
      ).slice(1, -1),
    ),
  });
  expect(output).not.toContain('retrying');
  expect(Date.now() - started).toBeLessThan(15_000);
  // One JSON line as every configuration error is (README, "Logs"): the message, the problems listed.
  const line = output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level?: string; message?: string; problems?: string[] })
    .find((l) => l.level === 'error');
  expect(line).toMatchObject({ message: 'invalid configuration', problems: [expect.stringMatching(/^DATABASE_URL must be a PostgreSQL database/)] });
}, 60_000);

it('answers /health with 200, starting, while the start waits for the database', async () => {
  // An orchestrator's liveness probe would otherwise restart the app during the very wait that
  // lets a database still starting come up.
  const dir = mkdtempSync(join(tmpdir(), 'database-wait-health-'));
  const app = await startApp({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:1/pipeline',
    KAFKA_BROKERS: '127.0.0.1:1',
    APPLICATION_ID: 'database-wait-health-test',
    LAKE_DIR: join(dir, 'lake'),
    STATE_DIR: join(dir, 'state'),
    HTTP_PORT: '0',
  });
  try {
    const deadline = Date.now() + 10_000;
    while (!app.logs.some((l) => l.message === 'postgres: connect failed, retrying') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const response = await fetch(`${app.baseUrl}/health`);
    expect({ status: response.status, body: (await response.json()) as unknown }).toMatchObject({ status: 200, body: { state: 'starting' } });
  } finally {
    await app.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it("logs pg's warning about sslmode=require as one JSON line, as every other line of the log", async () => {
  // pg warns (process.emitWarning) that 'require' means 'verify-full' for now, in nine plain lines
  // on stderr, which broke the log of one JSON object a line. The server here has no TLS, which
  // refuses the start as usual.
  const { code, output } = await start('postgres://postgres@127.0.0.1:5432/pipeline?sslmode=require');
  expect(code).toBe(2);
  const appLines = output.split('\n').filter((l) => l !== '' && !l.startsWith('$ ') && !l.startsWith('[ELIFECYCLE]') && !l.startsWith(' ELIFECYCLE'));
  const parsed = appLines.map((l) => {
    try {
      return JSON.parse(l) as { level?: string; message?: string; component?: string };
    } catch {
      return l;
    }
  });
  expect(parsed.filter((l) => typeof l === 'string')).toEqual([]);
  expect(parsed).toContainEqual(expect.objectContaining({ level: 'warn', component: 'node', message: expect.stringMatching(/^SECURITY WARNING: The SSL modes/) }));
}, 60_000);
