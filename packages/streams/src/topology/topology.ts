import type { AppGraph } from '../dsl/app-graph';
import { describeTopology } from './describe';
import { type GroupByNode, type Node, type SinkNode, type SourceNode, isStateful } from './nodes';

/**
 * A group of nodes that runs as one task per partition. Sub-topology 0 reads the source topics;
 * each `groupBy` whose key feeds a stateful operator starts another one, fed by a repartition of
 * the re-keyed records (in process, or through a Kafka topic when instances share the work).
 */
export interface Subtopology {
  readonly id: number;
  /** Source nodes read by this sub-topology (only sub-topology 0 has them). */
  readonly sources: readonly SourceNode[];
  /** The re-keying node whose records feed this sub-topology, for the others. */
  readonly repartition?: GroupByNode;
  /** Nodes of this sub-topology in a stable order (entry points first). */
  readonly nodes: readonly Node[];
  /** Names of the state stores of its tasks. */
  readonly stores: readonly string[];
}

export interface Topology {
  readonly applicationId: string;
  readonly subtopologies: readonly Subtopology[];
  readonly sources: readonly SourceNode[];
  readonly sinks: readonly SinkNode[];
  /** Children of every node, in creation order. */
  childrenOf(node: Node): readonly Node[];
  /** Which sub-topology a node runs in. */
  subtopologyOf(node: Node): Subtopology;
  /** Whether records leaving `groupBy` cross to another sub-topology. */
  isRepartition(node: Node): node is GroupByNode;
  /**
   * Whether a source's `key` must be its records' Kafka key: a `groupByKey()` below it (with no
   * re-keying between) keeps each key's state in the task of its partition, so a key found in two
   * partitions would have two states (two sessions for one user), silently.
   */
  reliesOnKafkaKey(source: SourceNode): boolean;
  describe(): string;
}

export function storeNameOf(node: Node): string {
  return `${node.name}-store`;
}

export function timerStoreNameOf(node: Node): string {
  return `${node.name}-timers`;
}

/** The source a node descends from: every node has one parent, so one source. */
export function rootSourceOf(node: Node): SourceNode {
  let at = node;
  while (at.kind !== 'source') at = at.parent;
  return at;
}

/**
 * Collects what runs (what leads to a sink, and every peek and processor with what feeds it),
 * checks it, and splits it into sub-topologies.
 */
export function buildTopology(graph: AppGraph): Topology {
  const used = new Set<Node>();
  const keepWithAncestors = (leaf: Node): void => {
    for (let node: Node | undefined = leaf; node && !used.has(node); node = 'parent' in node ? node.parent : undefined) {
      used.add(node);
    }
  };
  for (const sink of graph.sinks) keepWithAncestors(sink);
  // A branch that only transforms records and reaches no sink does nothing: it is left out. A peek
  // (its side effect) or a processor (its state and timers) runs even so, as in Kafka Streams,
  // where `peek` and `process` need no sink below them.
  for (const node of graph.nodes) if (node.kind === 'peek' || node.kind === 'process') keepWithAncestors(node);
  const ordered = graph.nodes.filter((n) => used.has(n));
  const children = new Map<Node, Node[]>();
  for (const node of ordered) {
    children.set(node, []);
    if ('parent' in node) children.get(node.parent)?.push(node);
  }
  const sources = ordered.filter((n): n is SourceNode => n.kind === 'source');
  validate(ordered, sources);

  // A groupBy with a selector that feeds a stateful operator is a repartition boundary.
  const isRepartition = (node: Node): node is GroupByNode =>
    node.kind === 'groupBy' && node.selector !== undefined && (children.get(node) ?? []).some(isStateful);

  const keyedByKafka = new Set<SourceNode>();
  for (const source of sources) {
    const below = (node: Node): boolean =>
      node.kind === 'groupBy' && node.selector !== undefined
        ? false // re-keyed: what follows is partitioned by the new key
        : (node.kind === 'groupBy' && (children.get(node) ?? []).some(isStateful)) || (children.get(node) ?? []).some(below);
    if (below(source)) keyedByKafka.add(source);
  }

  const subtopologies: Subtopology[] = [];
  const subOf = new Map<Node, Subtopology>();
  const queue: Array<{ entries: Node[]; repartition?: GroupByNode }> = [{ entries: sources }];
  while (queue.length > 0) {
    const { entries, repartition } = queue.shift()!;
    const nodes: Node[] = [];
    const visit = (node: Node) => {
      nodes.push(node);
      if (isRepartition(node)) {
        queue.push({ entries: children.get(node)!, repartition: node });
        return;
      }
      for (const child of children.get(node) ?? []) visit(child);
    };
    entries.forEach(visit);
    const sub: Subtopology = Object.freeze({
      id: subtopologies.length,
      sources: entries.filter((n): n is SourceNode => n.kind === 'source'),
      ...(repartition ? { repartition } : {}),
      nodes,
      stores: nodes.filter(isStateful).flatMap((n) => (n.kind === 'process' ? [storeNameOf(n), timerStoreNameOf(n)] : [storeNameOf(n)])),
    });
    subtopologies.push(sub);
    for (const node of nodes) subOf.set(node, sub);
  }

  const topology: Topology = Object.freeze({
    applicationId: graph.applicationId,
    subtopologies,
    sources,
    sinks: ordered.filter((n): n is SinkNode => n.kind === 'sink'),
    childrenOf: (node: Node) => children.get(node) ?? [],
    subtopologyOf: (node: Node) => {
      const sub = subOf.get(node);
      if (!sub) throw new Error(`node ${node.name} is not part of the topology`);
      return sub;
    },
    isRepartition,
    reliesOnKafkaKey: (source: SourceNode) => keyedByKafka.has(source),
    describe: () => describeTopology(topology),
  });
  return topology;
}

function validate(nodes: readonly Node[], sources: readonly SourceNode[]): void {
  if (sources.length === 0) throw new Error('nothing in the topology runs: it has no sink, peek or processor; call .to(sink) on a stream');
  const named = new Map<string, Node>();
  for (const node of nodes) {
    const earlier = named.get(node.name);
    if (earlier !== undefined) {
      // Two sources of one topic share its default name: say what the user did, not what collided.
      const sameTopic = node.kind === 'source' && earlier.kind === 'source' && earlier.topic === node.topic;
      throw new Error(
        sameTopic
          ? `topic '${node.topic}' is read by two source streams (e.g. with and without withWatermark()); branch from one of them`
          : `two nodes are named '${node.name}': node names must be unique`,
      );
    }
    named.set(node.name, node);
  }
  const topics = new Set<string>();
  for (const source of sources) {
    if (topics.has(source.topic)) throw new Error(`topic '${source.topic}' is read by two source streams; branch from one of them`);
    topics.add(source.topic);
  }
}
