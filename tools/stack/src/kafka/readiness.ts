import net from 'node:net';
import Kafka from 'node-rdkafka';
import { sleep } from '../process-utils';

// When is a broker "ready"? In Kafka 4.x the client port opens only once the broker serves, so a TCP
// connect is the first signal. But the group and transaction coordinators are created lazily, and a
// first client may still get COORDINATOR_NOT_AVAILABLE: so readiness is proven with real clients, a
// transactional producer that commits a transaction and a consumer that joins a group and commits.

const READINESS_TOPIC = '__stack_readiness';

export class NotReadyError extends Error {}

/** Waits until every port accepts a TCP connection; `alive` aborts early when a broker process died. */
export async function waitForPorts(ports: number[], host: string, deadline: number, alive: () => string | undefined): Promise<void> {
  for (const port of ports) {
    while (!(await canConnect(host, port))) {
      const dead = alive();
      if (dead) throw new NotReadyError(dead);
      if (Date.now() > deadline) throw new NotReadyError(`nothing accepts connections on ${host}:${port}`);
      await sleep(200);
    }
  }
}

export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ClientCheckOptions {
  bootstrapServers: string;
  replicationFactor: number;
  deadline: number;
}

/** Proves that transactions and consumer groups work, retrying until the deadline. */
export async function checkClients(opts: ClientCheckOptions): Promise<void> {
  let lastError: unknown;
  while (Date.now() < opts.deadline) {
    try {
      await createReadinessTopic(opts);
      // Side by side: each makes the broker create its internal topic (__transaction_state,
      // __consumer_offsets), which on a fresh broker is most of the wait.
      const results = await Promise.allSettled([commitTransaction(opts), joinGroupAndCommit(opts)]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return;
    } catch (err) {
      lastError = err;
      await sleep(500);
    }
  }
  throw new NotReadyError(`Kafka clients could not use the broker: ${describe(lastError)}`);
}

function remaining(deadline: number): number {
  return Math.max(1000, deadline - Date.now());
}

async function createReadinessTopic({ bootstrapServers, replicationFactor, deadline }: ClientCheckOptions): Promise<void> {
  const admin = Kafka.AdminClient.create({ 'bootstrap.servers': bootstrapServers, 'client.id': 'stack-readiness' });
  try {
    await new Promise<void>((resolve, reject) =>
      admin.createTopic(
        {
          topic: READINESS_TOPIC,
          num_partitions: 1,
          replication_factor: replicationFactor,
          config: { 'retention.ms': String(3_600_000) },
        },
        Math.min(30_000, remaining(deadline)),
        (err) => (err && err.code !== Kafka.CODES.ERRORS.ERR_TOPIC_ALREADY_EXISTS ? reject(err) : resolve()),
      ),
    );
  } finally {
    admin.disconnect();
  }
}

async function commitTransaction({ bootstrapServers, deadline }: ClientCheckOptions): Promise<void> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'stack-readiness',
    // A fixed id: each check fences the previous one's producer instead of leaving open transactions.
    'transactional.id': 'stack-readiness',
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const timeout = Math.min(30_000, remaining(deadline));
    await new Promise<void>((resolve, reject) => producer.initTransactions(timeout, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => producer.beginTransaction((err) => (err ? reject(err) : resolve())));
    producer.produce(READINESS_TOPIC, 0, Buffer.from(new Date().toISOString()), 'stack');
    await new Promise<void>((resolve, reject) => producer.commitTransaction(timeout, (err) => (err ? reject(err) : resolve())));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(5000, () => resolve()));
  }
}

async function joinGroupAndCommit({ bootstrapServers, deadline }: ClientCheckOptions): Promise<void> {
  // No rebalance_cb here: with `rebalance_cb: true` node-rdkafka's disconnect() can wait forever for the
  // final revoke callback (Blizzard/node-rdkafka#330, #196). Polling assignments() proves the join as well.
  const consumer = new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': bootstrapServers,
      'client.id': 'stack-readiness',
      // A new group each time: joining never waits for a member that a killed check left behind.
      'group.id': `stack-readiness-${process.pid}-${Date.now()}`,
      'enable.auto.commit': false,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    consumer.setDefaultConsumeTimeout(100);
    consumer.subscribe([READINESS_TOPIC]);
    const joinDeadline = Math.min(deadline, Date.now() + 30_000);
    // The group is joined (and the assignment applied) while the consumer polls.
    while (consumer.assignments().length === 0) {
      if (Date.now() > joinDeadline) throw new Error('timed out joining a consumer group');
      await new Promise<void>((resolve, reject) => consumer.consume(1, (err) => (err ? reject(err) : resolve())));
    }
    // A synchronous commit writes to __consumer_offsets: its replicas are available.
    consumer.commitSync([{ topic: READINESS_TOPIC, partition: 0, offset: 0 }]);
  } finally {
    await closeConsumer(consumer);
  }
}

/** Leaves the group and closes; never waits more than 10 s (a check must not hang the CLI). */
export async function closeConsumer(consumer: Kafka.KafkaConsumer): Promise<void> {
  try {
    consumer.unsubscribe();
  } catch {
    // not subscribed, or not connected: nothing to leave
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => consumer.disconnect(() => resolve())),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000))),
  ]);
  clearTimeout(timer);
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
