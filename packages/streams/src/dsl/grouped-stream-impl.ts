import type { Aggregator } from '../aggregations/aggregator';
import type { KeyedProcessor } from '../operators/keyed-processor';
import type { Key } from '../runtime/record';
import type { GroupByNode, ProcessNode, SessionAggregateNode, WindowAggregateNode } from '../topology/nodes';
import type { FixedWindows, WindowResult } from '../windows/window';
import type { SessionWindows } from '../windows/session';
import type { AppGraph } from './app-graph';
import type { GroupedStream, SessionWindowedStream, WindowedStream } from './grouped-stream';
import type { AggregateOptions, NodeOptions, ProcessOptions } from './options';
import type { StatefulStream } from './stream';
import { StreamImpl } from './stream-impl';

export class GroupedStreamImpl<V, K extends Key> implements GroupedStream<V, K> {
  constructor(
    private readonly graph: AppGraph,
    private readonly node: GroupByNode,
  ) {
    Object.freeze(this);
  }

  window(windows: FixedWindows, options?: NodeOptions): WindowedStream<V, K>;
  window(windows: SessionWindows, options?: NodeOptions): SessionWindowedStream<V, K>;
  window(windows: FixedWindows | SessionWindows, options?: NodeOptions): WindowedStream<V, K> | SessionWindowedStream<V, K> {
    const { graph, node } = this;
    return {
      aggregate<A, R>(aggregator: Aggregator<V, A, R>, opts?: AggregateOptions): StatefulStream<WindowResult<K, R>, K, V> {
        const common = { parent: node, emit: opts?.emit ?? 'update', store: opts?.store } as const;
        const aggregate: WindowAggregateNode | SessionAggregateNode =
          windows.kind === 'session'
            ? {
                kind: 'sessionAggregate',
                name: graph.nameFor('sessionAggregate', opts?.name ?? options?.name),
                windows,
                aggregator: aggregator as unknown as SessionAggregateNode['aggregator'],
                ...common,
              }
            : {
                kind: 'windowAggregate',
                name: graph.nameFor('windowAggregate', opts?.name ?? options?.name),
                windows,
                aggregator: aggregator as unknown as WindowAggregateNode['aggregator'],
                ...common,
              };
        return new StreamImpl(graph, graph.add(aggregate)) as unknown as StatefulStream<WindowResult<K, R>, K, V>;
      },
    };
  }

  process<Out, S>(processor: KeyedProcessor<K, V, Out, S>, options?: ProcessOptions): StatefulStream<Out, K, V> {
    const node: ProcessNode = {
      kind: 'process',
      name: this.graph.nameFor('process', options?.name ?? processor.name),
      parent: this.node,
      processor: processor as unknown as ProcessNode['processor'],
      store: options?.store,
    };
    return new StreamImpl(this.graph, this.graph.add(node)) as unknown as StatefulStream<Out, K, V>;
  }
}
