// The 3-broker KRaft cluster that fault tests use, started by this test on its own ports (29092…) and
// folder (.stack/cluster-test), so it never touches the everyday broker or a `stack up --brokers 3`.
import fs from 'node:fs';
import { C1_ONLY } from '../src/commands/up';
import { downCluster, upCluster } from '../src/kafka/cluster';
import { bootstrapServers, clusterLayout } from '../src/kafka/layout';
import { isAlive } from '../src/process-utils';
import { kafkaVersion } from '../src/settings';
import { brokerPids, livePid } from '../src/state';
import { ensureTopics, topicMetadata } from '../src/topics';

const layout = clusterLayout({ name: 'cluster-test', brokers: 3, basePort: 29092 });
const bootstrap = bootstrapServers(layout);
let pids: number[] = [];

beforeAll(async () => {
  // Fresh storage every run: the test also covers formatting three nodes with one cluster id.
  await downCluster(layout, 30_000);
  fs.rmSync(layout.dir, { recursive: true, force: true });
  const report = await upCluster(layout, {
    kafkaVersion: kafkaVersion(),
    settings: { defaultPartitions: 3 },
    heap: '384m',
    extraJvmArgs: [C1_ONLY],
    timeoutMs: 90_000,
  });
  pids = report.pids;
}, 120_000);

afterAll(async () => {
  await downCluster(layout, 30_000);
  fs.rmSync(layout.dir, { recursive: true, force: true });
}, 60_000);

test('three brokers run, each on its own port', () => {
  expect(pids).toHaveLength(3);
  expect(new Set(pids).size).toBe(3);
  expect(layout.nodes.map((n) => n.brokerPort)).toEqual([29092, 29102, 29112]);
});

test('a topic with replication 3 has every replica in sync', async () => {
  const topic = `cluster-test-${Date.now()}`;
  await ensureTopics(bootstrap, [topic], 3, 3);
  // Metadata reaches every broker a moment after creation: poll briefly.
  const deadline = Date.now() + 15_000;
  let partitions: { replicas: number[]; isrs: number[] }[] = [];
  while (Date.now() < deadline) {
    partitions = (await topicMetadata(bootstrap, [topic]))[0]?.partitions ?? [];
    if (partitions.length === 3 && partitions.every((p) => p.isrs.length === 3)) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  expect(partitions).toHaveLength(3);
  for (const p of partitions) {
    expect([...p.replicas].sort()).toEqual([1, 2, 3]);
    expect([...p.isrs].sort()).toEqual([1, 2, 3]);
  }
}, 30_000);

test('stopping leaves no broker process and no pid file', async () => {
  const result = await downCluster(layout, 30_000);
  expect(result.pids.sort()).toEqual([...pids].sort());
  expect(pids.some(isAlive)).toBe(false);
  for (const node of layout.nodes) {
    expect(livePid(node)).toBeUndefined();
    expect(brokerPids(node)).toEqual([]);
    expect(fs.existsSync(node.pidFile)).toBe(false);
  }
}, 60_000);
