import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './e2e/support/app-process';

// A DATABASE_URL whose server cannot be reached is a setting to fix, like one that does not parse.
// The start went on regardless: the runtime started, the postgres sinks retried their open for
// about 18 s, and the app exited 1 with 'postgres sink page_view_counts: open failed after 8
// attempts: connection refused to 127.0.0.1:1 (ECONNREFUSED)', naming a sink and an address, not
// the setting. The start now connects once before the runtime starts, and refuses with exit code
// 2 naming DATABASE_URL, the URL without its password, and the reason.

const SECRET = 's3cr%t';

it('a DATABASE_URL nothing answers at stops the start with exit code 2, naming DATABASE_URL and why, without the password', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'database-unreachable-'));
  try {
    const { code, output } = await runScript(
      'start',
      {
        DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:1/pipeline`,
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
    expect({ code, output }).toMatchObject({
      code: 2,
      output: expect.stringContaining("DATABASE_URL must be a PostgreSQL database this host can connect to, got 'postgres://app:***@127.0.0.1:1/pipeline' (connect ECONNREFUSED 127.0.0.1:1)"),
    });
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain('kafka streams started');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
