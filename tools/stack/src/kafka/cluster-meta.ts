import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { type ClusterLayout } from './layout';

// .stack/<cluster>/cluster.json: the cluster id every node is formatted with, which Kafka formatted the
// storage (its metadata.version is that release's: an older release cannot read it) and which one last
// started on it (what `stack status` reports).

export interface ClusterMeta {
  clusterId: string;
  formattedWith: string;
  formattedAt: string;
  startedWith?: string;
}

export function readClusterMeta(layout: ClusterLayout): ClusterMeta | undefined {
  try {
    return JSON.parse(fs.readFileSync(layout.metaFile, 'utf8')) as ClusterMeta;
  } catch {
    return undefined;
  }
}

export function writeClusterMeta(layout: ClusterLayout, meta: ClusterMeta): void {
  fs.mkdirSync(layout.dir, { recursive: true });
  fs.writeFileSync(layout.metaFile, JSON.stringify(meta, null, 2) + '\n');
}

/**
 * A Kafka cluster id: 16 random bytes in URL-safe base64 without padding, as `StorageTool random-uuid`
 * prints, made here to save a JVM start. Like Kafka's Uuid.randomUuid, never one starting with '-'
 * (a command line would read it as an option).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
