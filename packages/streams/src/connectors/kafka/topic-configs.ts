import { connect, type Socket } from 'node:net';
import type { KafkaConnection } from './connection';

/**
 * Reads one setting of some topics (e.g. `cleanup.policy`) with Kafka's DescribeConfigs request
 * (version 1, which brokers from 1.1 to 4.x take). node-rdkafka (3.6) binds no DescribeConfigs,
 * so this speaks the protocol itself, over a plain TCP connection: it works only where the
 * connection's `security.protocol` is plaintext (the default), and returns undefined elsewhere
 * (SSL, SASL), where the caller cannot check. A topic the broker refuses to describe is left out.
 */
export async function describeTopicSetting(
  connection: KafkaConnection,
  topics: readonly string[],
  setting: string,
  timeoutMs = 10_000,
): Promise<Map<string, string | null> | undefined> {
  const protocol = String(connection.config?.['security.protocol'] ?? 'plaintext').toLowerCase();
  if (protocol !== 'plaintext' || topics.length === 0) return topics.length === 0 ? new Map() : undefined;
  let lastError: unknown;
  for (const broker of connection.brokers.split(',').map((b) => b.trim()).filter(Boolean)) {
    try {
      return parseResponse(await exchange(broker, request(topics, setting), timeoutMs), setting);
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`cannot read ${setting} of ${topics.join(', ')}: ${(lastError as Error | undefined)?.message ?? 'no broker'}`);
}

const DESCRIBE_CONFIGS = 32;
const TOPIC = 2;

function str(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function int(n: number, size: 1 | 2 | 4): Buffer {
  const b = Buffer.alloc(size);
  if (size === 1) b.writeInt8(n);
  else if (size === 2) b.writeInt16BE(n);
  else b.writeInt32BE(n);
  return b;
}

function request(topics: readonly string[], setting: string): Buffer {
  const header = Buffer.concat([int(DESCRIBE_CONFIGS, 2), int(1, 2), int(1, 4), str('pipeline-streams-describe-configs')]);
  const resources = topics.map((t) => Buffer.concat([int(TOPIC, 1), str(t), int(1, 4), str(setting)]));
  const body = Buffer.concat([int(topics.length, 4), ...resources, int(0, 1)]); // include_synonyms: false
  const message = Buffer.concat([header, body]);
  return Buffer.concat([int(message.length, 4), message]);
}

function exchange(broker: string, payload: Buffer, timeoutMs: number): Promise<Buffer> {
  const at = broker.lastIndexOf(':');
  const host = broker.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(broker.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const done = (error?: Error, response?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${broker} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const all = Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length >= 4 + size) done(undefined, all.subarray(4, 4 + size));
    });
    socket.on('error', (error) => done(error));
    socket.on('close', () => done(new Error(`${broker} closed the connection`)));
  });
}

function parseResponse(response: Buffer, setting: string): Map<string, string | null> {
  let at = 4 + 4; // correlation id, throttle time
  const int8 = () => response.readInt8((at += 1) - 1);
  const int16 = () => response.readInt16BE((at += 2) - 2);
  const int32 = () => response.readInt32BE((at += 4) - 4);
  const nullableString = (): string | null => {
    const len = int16();
    if (len < 0) return null;
    return response.toString('utf8', at, (at += len));
  };
  const out = new Map<string, string | null>();
  for (let r = int32(); r > 0; r--) {
    const errorCode = int16();
    nullableString(); // error message
    int8(); // resource type
    const topic = nullableString() ?? '';
    for (let c = int32(); c > 0; c--) {
      const name = nullableString();
      const value = nullableString();
      int8(); // read only
      int8(); // config source
      int8(); // sensitive
      for (let s = int32(); s > 0; s--) {
        nullableString();
        nullableString();
        int8();
      }
      if (errorCode === 0 && name === setting) out.set(topic, value);
    }
  }
  return out;
}
