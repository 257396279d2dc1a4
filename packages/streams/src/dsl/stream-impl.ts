import { parseDuration, type Duration } from '../time/duration';
import type { Key } from '../runtime/record';
import type { Sink } from '../sinks/sink';
import type { GroupByNode, Node, SourceNode, StatefulNode } from '../topology/nodes';
import type { FixedWindows, WindowDefinition } from '../windows/window';
import type { SessionWindows } from '../windows/session';
import type { AppGraph } from './app-graph';
import { GroupedStreamImpl } from './grouped-stream-impl';
import type { GroupedStream, SessionWindowedStream, WindowedStream } from './grouped-stream';
import type { NodeOptions } from './options';
import type { SourceStream, StatefulStream, Stream } from './stream';

/** The one implementation of every stream interface: a reference to a node of the graph. */
export class StreamImpl<V, K extends Key> implements SourceStream<V, K>, StatefulStream<V, K, unknown> {
  constructor(
    protected readonly graph: AppGraph,
    readonly node: Node,
  ) {
    Object.freeze(this);
  }

  filter(predicate: (value: V) => boolean, options?: NodeOptions): Stream<V, K> {
    return this.child({ kind: 'filter', name: this.graph.nameFor('filter', options?.name), parent: this.node, predicate: predicate as (v: unknown) => boolean });
  }

  map<R>(mapper: (value: V) => R, options?: NodeOptions): Stream<R, K> {
    return this.child({ kind: 'map', name: this.graph.nameFor('map', options?.name), parent: this.node, mapper: mapper as (v: unknown) => unknown });
  }

  flatMap<R>(mapper: (value: V) => Iterable<R>, options?: NodeOptions): Stream<R, K> {
    return this.child({ kind: 'flatMap', name: this.graph.nameFor('flatMap', options?.name), parent: this.node, mapper: mapper as (v: unknown) => Iterable<unknown> });
  }

  peek(action: (value: V) => void, options?: NodeOptions): Stream<V, K> {
    return this.child({ kind: 'peek', name: this.graph.nameFor('peek', options?.name), parent: this.node, action: action as (v: unknown) => void });
  }

  groupBy<K2 extends Key>(selector: (value: V) => K2, options?: NodeOptions): GroupedStream<V, K2> {
    const node: GroupByNode = { kind: 'groupBy', name: this.graph.nameFor('groupBy', options?.name), parent: this.node, selector: selector as (v: unknown) => unknown };
    return new GroupedStreamImpl<V, K2>(this.graph, this.graph.add(node));
  }

  groupByKey(options?: NodeOptions): GroupedStream<V, K> {
    const node: GroupByNode = { kind: 'groupBy', name: this.graph.nameFor('groupBy', options?.name), parent: this.node };
    return new GroupedStreamImpl<V, K>(this.graph, this.graph.add(node));
  }

  window(windows: FixedWindows, options?: NodeOptions): WindowedStream<V, null>;
  window(windows: SessionWindows, options?: NodeOptions): SessionWindowedStream<V, null>;
  window(windows: WindowDefinition, options?: NodeOptions): SessionWindowedStream<V, null>;
  window(windows: WindowDefinition, options?: NodeOptions): WindowedStream<V, null> | SessionWindowedStream<V, null> {
    const node: GroupByNode = { kind: 'groupBy', name: this.graph.nameFor('groupBy', options?.name === undefined ? undefined : `${options.name}-all`), parent: this.node, selector: () => null };
    return new GroupedStreamImpl<V, null>(this.graph, this.graph.add(node)).windowed(windows, options, false);
  }

  to(sink: Sink<V>, options?: NodeOptions): void {
    this.graph.add({ kind: 'sink', name: this.graph.nameFor('sink', options?.name), parent: this.node, sink: sink as Sink<never> });
  }

  withWatermark(delay: Duration): Stream<V, K> {
    if (this.node.kind !== 'source') throw new Error('withWatermark() applies to a source stream');
    const source: SourceNode = { ...this.node, watermarkDelay: parseDuration(delay, 'watermark delay') };
    return new StreamImpl<V, K>(this.graph, this.graph.add(source));
  }

  late(options?: NodeOptions): Stream<unknown, K> {
    const parent = this.node as StatefulNode;
    return this.child({ kind: 'late', name: this.graph.nameFor('late', options?.name), parent });
  }

  private child<R, K2 extends Key = K>(node: Node): StreamImpl<R, K2> {
    return new StreamImpl<R, K2>(this.graph, this.graph.add(node));
  }
}
