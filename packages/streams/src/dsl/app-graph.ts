import type { Node, NodeKind, SinkNode, SourceNode } from '../topology/nodes';

/**
 * What a streams app has declared so far: the sources and the sinks (every node reachable from a
 * sink is part of the topology). Nodes themselves are frozen; this registry only grows.
 */
export class AppGraph {
  /** Every node, in creation order. */
  readonly nodes: Node[] = [];
  readonly sources: SourceNode[] = [];
  readonly sinks: SinkNode[] = [];
  private readonly counters = new Map<string, number>();

  constructor(readonly applicationId: string) {}

  /** `<kind>-<n>`, numbered per kind in creation order: the same program always gets the same names. */
  nameFor(kind: NodeKind, requested: string | undefined): string {
    if (requested !== undefined) {
      if (!/^[A-Za-z0-9._-]+$/.test(requested)) {
        throw new Error(`node name '${requested}' may only contain letters, digits, '.', '_' and '-'`);
      }
      return requested;
    }
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return `${kind}-${n}`;
  }

  add<N extends Node>(node: N): N {
    Object.freeze(node);
    this.nodes.push(node);
    if (node.kind === 'source') this.sources.push(node);
    if (node.kind === 'sink') this.sinks.push(node);
    return node;
  }
}
