import { runScript } from './support/app-process';
import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { produce, readTopic } from './support/kafka';
import { runOver } from './support/run-over';
import { aDayAgoPlus } from './support/event-time';

// The loop an operator closes after a fix: events the pipeline dead-lettered (here, a device's
// clock 20 minutes fast, beyond MAX_TIME_AHEAD=10m), the bound then raised, and
// `replay-dead-letters` sends them back to their partition of the input; the pipeline, run again,
// takes them. A dry run first lists them and sends nothing.

jest.setTimeout(120_000);

const view = (eventTime: string, user: string) => Buffer.from(JSON.stringify({ event_time: eventTime, user_id: user, page_url: '/a', event_type: 'page_view' }));

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('sends the dead letters back to their partition; the pipeline run again with the bound raised takes them', async () => {
  stack = await isolatedStack({}, 2);
  const twentyMinutesAhead = new Date(Date.now() + 20 * 60_000).toISOString();
  const first = await runOver(stack, [
    { partition: 0, key: 'u1', value: view(aDayAgoPlus(10_000), 'u1') },
    { partition: 1, key: 'u2', value: view(twentyMinutesAhead, 'u2') },
    { partition: 1, key: 'u3', value: Buffer.from('not json') },
  ]);
  expect(first.letters.map((l) => l.offset)).toEqual(['0', '1']);

  const dry = await runScript('replay-dead-letters', stack.env, ['--reason', 'ahead of', '--dry-run'], 60_000);
  expect(dry.code).toBe(0);
  expect(dry.output).toMatch(new RegExp(`^ {2}letter 0:0 \\(from ${stack.input} partition 1 offset 0\\): send \\[event time .* ahead of`, 'm'));
  expect(dry.output).toMatch(new RegExp(`^ {2}letter 0:1 \\(from ${stack.input} partition 1 offset 1\\): skip, reason does not match \\[not JSON`, 'm'));
  expect(dry.output).toMatch(/^2 letters read; 1 would be sent again$/m);
  expect((await readTopic(stack.input, 2, 3)).length).toBe(3);

  const replay = await runScript('replay-dead-letters', stack.env, ['--reason', 'ahead of'], 60_000);
  expect(replay.code).toBe(0);
  expect(replay.output).toMatch(/^2 letters read; 1 sent again$/m);
  expect(replay.output).toMatch(/^ {2}1 not sent: reason does not match$/m);
  const input = await readTopic(stack.input, 2, 4);
  const resent = input.filter((m) => m.offset === 2);
  expect(resent.map((m) => [m.partition, m.key?.toString(), m.value?.toString()])).toEqual([[1, 'u2', view(twentyMinutesAhead, 'u2').toString()]]);

  // The pipeline again, with the bound raised: it reads on from its committed offsets, so the
  // record sent again is the one new record it reads.
  stack = { ...stack, env: { ...stack.env, MAX_TIME_AHEAD: '30m' } };
  const enrichedUsers = async () => (await readTopic(stack!.enriched, 3)).map((m) => (JSON.parse(m.value!.toString()) as { user_id: string }).user_id).sort();
  const second = await runOver(stack, [], { until: { what: 'the record sent again on the enriched topic', check: async () => (await enrichedUsers()).length >= 2 } });
  expect(second.deadLettered).toBe(0);
  expect(await enrichedUsers()).toEqual(['u1', 'u2']);
});

it('lists every letter of a long dry run, to its end, when its output goes to a pipe', async () => {
  const own = await isolatedStack({}, 1);
  try {
    await produce(own.deadLetter, Array.from({ length: 20_000 }, (_, i) => ({ partition: 0, key: `k${i}`, value: Buffer.from(`junk ${i}`) })));
    const dry = await runScript('replay-dead-letters', own.env, ['--dry-run'], 60_000);
    expect(dry.code).toBe(0);
    expect(dry.output.split('\n').filter((l) => l.startsWith('  letter ')).length).toBe(20_000);
    expect(dry.output).toMatch(/^20000 letters read; 0 would be sent again$/m);
    expect(dry.output).toMatch(/^ {2}20000 not sent: not a dead letter \(no dlq\.reason header\)$/m);
  } finally {
    await own.remove();
  }
});

