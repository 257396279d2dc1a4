import { startApp } from './app-process';
import { scrape, waitFor } from './http';
import type { IsolatedStack } from './isolated-stack';
import { headersOf, produce, readTopic, type Outgoing } from './kafka';

/** What one run of the app over a few records left behind. */
export interface Run {
  /** `streams_dead_lettered_total` once every record was read and committed. */
  readonly deadLettered: number;
  /** The dead letters, in order: the input offset each came from and why. */
  readonly letters: ReadonlyArray<{ readonly offset: string; readonly reason: string }>;
}

/** A counter of a /metrics text, or -1 when it is absent. */
function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? -1);
}

/**
 * The shape of every poison-pill test: produces `records` to the stack's input, starts the app,
 * waits until it has read them all and committed (and until `until`, if given), stops it with
 * SIGTERM, which must exit 0 (a pill stopped it with 1), and reads the dead letters. The app is
 * killed if anything fails on the way.
 * @example const { letters } = await runOver(stack, [{ partition: 0, key: 'u1', value }]);
 */
export async function runOver(
  stack: IsolatedStack,
  records: readonly Outgoing[],
  options: { readonly until?: { readonly what: string; readonly check: () => Promise<boolean> } } = {},
): Promise<Run> {
  await produce(stack.input, records);
  const app = await startApp(stack.env);
  try {
    const read = async () => (await scrape(`${app.baseUrl}/metrics`)).body;
    await waitFor(async () => metric(await read(), 'streams_records_total') >= records.length, 60_000, 'the app to read every record');
    await waitFor(async () => metric(await read(), 'streams_commits_total') >= 1, 10_000, 'a commit');
    if (options.until) await waitFor(options.until.check, 30_000, options.until.what);
    const deadLettered = metric(await read(), 'streams_dead_lettered_total');
    const code = await app.stop();
    if (code !== 0) throw new Error(`the app exited with ${String(code)}:\n${app.output()}`);
    const letters = deadLettered > 0 ? await readTopic(stack.deadLetter, 1, deadLettered) : [];
    return { deadLettered, letters: letters.map((m) => ({ offset: headersOf(m)['dlq.offset']!, reason: headersOf(m)['dlq.reason']! })) };
  } finally {
    await app.kill();
  }
}
