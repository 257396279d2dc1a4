import { formatDuration } from '../time/duration';
import type { Node } from './nodes';
import { storeNameOf, timerStoreNameOf, type Topology } from './topology';

/** Renders a topology as an indented tree per sub-topology, with node and store names. */
export function describeTopology(topology: Topology): string {
  const lines: string[] = [`Topology of ${topology.applicationId}`];
  for (const sub of topology.subtopologies) {
    const feed = sub.repartition
      ? `fed by ${sub.repartition.name} (repartitioned by the new key)`
      : `a task per partition of ${sub.sources.map((s) => s.topic).join(', ')}`;
    lines.push(`Sub-topology ${sub.id}: ${feed}`);
    const entries = sub.repartition ? topology.childrenOf(sub.repartition) : sub.sources;
    const walk = (node: Node, depth: number) => {
      lines.push(`${'  '.repeat(depth)}${depth > 1 ? '└─ ' : ''}${label(node)}`);
      if (topology.isRepartition(node)) {
        const target = topology.subtopologyOf(topology.childrenOf(node)[0]!);
        lines.push(`${'  '.repeat(depth + 1)}└─ ⇒ repartition to sub-topology ${target.id}`);
        return;
      }
      for (const child of topology.childrenOf(node)) walk(child, depth + 1);
    };
    for (const entry of entries) walk(entry, 1);
  }
  return lines.join('\n');
}

function label(node: Node): string {
  switch (node.kind) {
    case 'source': {
      const parts = [`topic ${node.topic}`, `watermark ${formatDuration(node.watermarkDelay)}`];
      if (node.maxValueBytes !== undefined) parts.push(`values up to ${node.maxValueBytes} bytes`);
      if (node.maxTimeAhead !== undefined) parts.push(`event times up to ${formatDuration(node.maxTimeAhead)} ahead of their record's timestamp`);
      if (node.deadLetter) parts.push(`dead letters → ${node.deadLetter.kind} ${node.deadLetter.target}`);
      if (node.processingErrors === 'dead-letter') parts.push('records the code throws on → dead letters');
      return `${node.name} [source] ${parts.join(', ')}`;
    }
    case 'groupBy':
      return `${node.name} [groupBy] ${node.selector ? 'new key' : 'same key'}`;
    case 'windowAggregate': {
      const w = node.windows;
      const windows = w.kind === 'tumbling' ? `tumbling ${formatDuration(w.size)}` : `hopping ${formatDuration(w.size)} every ${formatDuration(w.advance)}`;
      return `${node.name} [windowAggregate] ${windows}, ${node.aggregator.name}, emit ${node.emit}, store ${storeNameOf(node)}`;
    }
    case 'sessionAggregate':
      return `${node.name} [sessionAggregate] session gap ${formatDuration(node.windows.gap)}, ${node.aggregator.name}, emit ${node.emit}, store ${storeNameOf(node)}`;
    case 'process':
      return `${node.name} [process] stores ${storeNameOf(node)}, ${timerStoreNameOf(node)}`;
    case 'sink':
      return `${node.name} [sink] → ${node.sink.kind} ${node.sink.target}`;
    default:
      return `${node.name} [${node.kind}]`;
  }
}
