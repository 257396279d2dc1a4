import { runScript } from './e2e/support/app-process';

// STATE_DIR=/proc/x hung the start for ever, at 100 % of a core: Node's own
// mkdir(dir, { recursive: true }) loops where a directory that exists refuses a new child with
// ENOENT, as /proc does (mkdir /proc/x: ENOENT, so it makes the parent; mkdir /proc: EEXIST, so it
// tries /proc/x again, and so on, in a libuv thread; the promise never settles). The start's
// directory check now makes each missing level itself, once, and fails at once naming the setting.

// /proc is Linux's.
(process.platform === 'linux' ? it : it.skip)('STATE_DIR and LAKE_DIR under /proc stop the start with exit code 2, naming both', async () => {
  const { code, output } = await runScript(
    'start',
    // Nothing to reach: the directories are checked before anything is contacted.
    { STATE_DIR: '/proc/x', LAKE_DIR: '/proc/x/lake', KAFKA_BROKERS: '127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/pipeline', HTTP_PORT: '0', LOG_FORMAT: 'json' },
    [],
    20_000,
  );
  expect({ code, output }).toMatchObject({ code: 2, output: expect.stringContaining('invalid configuration') });
  expect(output).toContain("LAKE_DIR must be a directory this user can create and write, got '/proc/x/lake' (ENOENT)");
  expect(output).toContain("STATE_DIR must be a directory this user can create and write, got '/proc/x' (ENOENT)");
}, 30_000);
