import { spawn } from 'node:child_process';
import path from 'node:path';
import { generateEvents } from '../src/simulation';
import { consumeAll, createTopic, deleteTopic, uniqueName } from './support/kafka';

// The CLI end to end against the REAL broker of the local stack (`pnpm stack up`): no mocks.

jest.setTimeout(90_000);

const appDir = path.resolve(__dirname, '..');

interface Run {
  readonly code: number | null;
  readonly lines: readonly Record<string, unknown>[];
  readonly stderr: string;
}

/** Starts `producer` as its own process (node + tsx, as `pnpm start` does), JSON logs on stderr. */
function startCli(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@pipeline/source', 'src/main.ts', ...args], {
    cwd: appDir,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const waiters: { message: string; resolve: () => void }[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const w of waiters) if (stderr.includes(`"message":"${w.message}"`)) w.resolve();
  });
  const exited = new Promise<Run>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr, lines: stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>) })),
  );
  /** Resolves once a log line with this message was written. */
  const logged = (message: string) =>
    new Promise<void>((resolve) => (stderr.includes(`"message":"${message}"`) ? resolve() : waiters.push({ message, resolve })));
  return { child, exited, logged };
}

describe('producer CLI on the real broker', () => {
  const topics: string[] = [];
  afterAll(async () => {
    for (const topic of topics) await deleteTopic(topic);
  });

  async function freshTopic(config: Readonly<Record<string, string>> = {}): Promise<string> {
    const topic = uniqueName('producer-test');
    await createTopic(topic, 3, config);
    topics.push(topic);
    return topic;
  }

  it('sends --count records keyed by user_id, reproducibly from --seed and --start-time, and exits 0', async () => {
    const topic = await freshTopic();
    const args = ['--count', '500', '--rate', '5000', '--topic', topic, '--seed', '1', '--start-time', '2024-01-01T00:00:00Z', '--log-format', 'json'];
    const run = await startCli(args).exited;
    expect(run.stderr).not.toContain('"level":"error"');
    expect(run.code).toBe(0);
    expect(run.lines.find((l) => l.message === 'summary')).toMatchObject({ sent: 500, delivered: 500, failed: 0, undelivered: 0, late: 10, stopped_by: 'count' });

    const messages = await consumeAll(topic, 500);
    expect(messages).toHaveLength(500);
    expect(new Set(messages.map((m) => m.partition)).size).toBe(3);
    for (const m of messages) {
      const value = JSON.parse(m.value!.toString()) as { user_id: string };
      expect(m.key?.toString()).toBe(value.user_id);
    }

    // The very records the generator gives for these options, each user's in order (one partition per key).
    const expected = [...generateEvents({ seed: 1, startTime: '2024-01-01T00:00:00Z', eventsPerSecond: 5000, count: 500 })];
    const perUser = (pairs: { key: string; value: string }[]) => {
      const byKey = new Map<string, string[]>();
      for (const { key, value } of pairs) byKey.set(key, [...(byKey.get(key) ?? []), value]);
      return byKey;
    };
    expect(perUser(messages.map((m) => ({ key: m.key!.toString(), value: m.value!.toString() })))).toEqual(perUser([...expected]));
  });

  it('stops on SIGINT in the middle of an unbounded run: flushes, prints a summary, exits 0', async () => {
    const topic = await freshTopic();
    const cli = startCli(['--rate', '400', '--topic', topic, '--log-format', 'json']);
    await cli.logged('producing'); // connected
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    cli.child.kill('SIGINT');
    const run = await cli.exited;
    expect(run.code).toBe(0);
    const summary = run.lines.find((l) => l.message === 'summary');
    expect(summary).toMatchObject({ stopped_by: 'signal', failed: 0, undelivered: 0 });
    const sent = summary!.sent as number;
    expect(sent).toBeGreaterThan(50);
    expect(summary!.delivered).toBe(sent);
    expect(await consumeAll(topic, sent)).toHaveLength(sent);
  });

  it('logs every setting that shapes the stream in its starting line, --away included (it was left out: a run with --away 40m could not be replayed from its log)', async () => {
    const topic = await freshTopic();
    const run = await startCli(['--count', '1', '--rate', '100', '--topic', topic, '--seed', '3', '--away', '40m', '--late-by', '30s', '--abandon-rate', '0.2', '--log-format', 'json']).exited;
    expect(run.code).toBe(0);
    expect(run.lines.find((l) => l.message === 'starting')).toMatchObject({
      rate: 100,
      count: 1,
      users: 1000,
      pages: 20,
      seed: 3,
      late_every: 50,
      late_by_ms: 30_000,
      invalid_every: 0,
      abandon_rate: 0.2,
      away_ms: 2_400_000,
    });
  });

  // The broker refuses every record of a topic whose max.message.bytes is smaller than any batch.
  it.each(['error', 'warn'])(
    'logs the summary of a run whose records all failed as an error, so --log-level %s shows it (it was info: nothing but exit 1)',
    async (level) => {
      const topic = await freshTopic({ 'max.message.bytes': '60' });
      const run = await startCli(['--count', '3', '--rate', '100', '--topic', topic, '--log-format', 'json', '--log-level', level]).exited;
      expect(run.code).toBe(1);
      expect(run.lines.find((l) => l.message === 'summary')).toMatchObject({ level: 'error', sent: 3, delivered: 0, failed: 3, undelivered: 0 });
    },
  );

  it('exits 1 with a clear message when Kafka is unreachable', async () => {
    const run = await startCli(['--brokers', '127.0.0.1:1', '--count', '1', '--log-format', 'json']).exited;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach Kafka at 127.0.0.1:1');
  });

  it('on SIGTERM while it still tries to reach Kafka, stops with exit 0 and says nothing was sent (it used to report Kafka unreachable and exit 1)', async () => {
    const cli = startCli(['--brokers', '127.0.0.1:1', '--log-format', 'json']);
    await cli.logged('starting');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    cli.child.kill('SIGTERM');
    const run = await cli.exited;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('stopped before Kafka was reached: nothing sent');
    expect(run.stderr).not.toContain('cannot reach Kafka');
  });

  it('exits 2 on a bad option before connecting', async () => {
    const run = await startCli(['--rate', 'abc']).exited;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--rate must be a positive number, got 'abc'");
  });
});
