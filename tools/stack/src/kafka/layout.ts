import path from 'node:path';
import { STACK_DIR } from '../paths';

// Where each broker of a local cluster listens and keeps its files. Pure data: nothing here touches disk.

export const HOST = '127.0.0.1';

export interface NodeLayout {
  id: number;
  brokerPort: number;
  controllerPort: number;
  dir: string;
  dataDir: string;
  logsDir: string;
  /** The broker's own log (log4j2, rolled by size); what `stack logs` tails. */
  serverLog: string;
  /** The JVM's stdout/stderr: empty unless the JVM itself fails (bad Java version, bad classpath). */
  jvmOut: string;
  configFile: string;
  log4jFile: string;
  pidFile: string;
}

export interface ClusterLayout {
  /** Folder name under .stack/ and the label in messages. */
  name: string;
  dir: string;
  /** Cluster id and the Kafka version that formatted the storage. */
  metaFile: string;
  nodes: NodeLayout[];
  /** Internal and default topics: 1 on a single broker, 3 on three. */
  replicationFactor: number;
  minInsyncReplicas: number;
}

export interface LayoutOptions {
  name: string;
  brokers: number;
  /** Node i listens on basePort + 10·(i−1) (broker) and one above it (controller). */
  basePort: number;
  stackDir?: string;
}

export function clusterLayout({ name, brokers, basePort, stackDir = STACK_DIR }: LayoutOptions): ClusterLayout {
  const dir = path.join(stackDir, name);
  const nodes = Array.from({ length: brokers }, (_, i): NodeLayout => {
    const nodeDir = path.join(dir, `node-${i + 1}`);
    const logsDir = path.join(nodeDir, 'logs');
    return {
      id: i + 1,
      brokerPort: basePort + 10 * i,
      controllerPort: basePort + 10 * i + 1,
      dir: nodeDir,
      dataDir: path.join(nodeDir, 'data'),
      logsDir,
      serverLog: path.join(logsDir, 'server.log'),
      jvmOut: path.join(logsDir, 'jvm.out'),
      configFile: path.join(nodeDir, 'server.properties'),
      log4jFile: path.join(nodeDir, 'log4j2.xml'),
      pidFile: path.join(nodeDir, 'kafka.pid'),
    };
  });
  return {
    name,
    dir,
    metaFile: path.join(dir, 'cluster.json'),
    nodes,
    replicationFactor: Math.min(3, brokers),
    // With three replicas, two in sync keep acks=all writes durable while one broker is down.
    minInsyncReplicas: brokers >= 3 ? 2 : 1,
  };
}

/** The two layouts `stack` manages: the everyday single broker and the 3-node cluster for fault tests. */
export function stackLayout(brokers: number, stackDir?: string): ClusterLayout {
  if (brokers === 1) return clusterLayout({ name: 'single', brokers: 1, basePort: 9092, stackDir });
  if (brokers === 3) return clusterLayout({ name: 'cluster3', brokers: 3, basePort: 19092, stackDir });
  throw new Error(`--brokers must be 1 or 3, got ${brokers}`);
}

export function bootstrapServers(layout: ClusterLayout): string {
  return layout.nodes.map((n) => `${HOST}:${n.brokerPort}`).join(',');
}
