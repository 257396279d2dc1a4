import type { Aggregator } from '../aggregations/aggregator';
import type { KeyedProcessor } from '../operators/keyed-processor';
import type { Key } from '../runtime/record';
import type { GroupByNode, ProcessNode, SessionAggregateNode, WindowAggregateNode } from '../topology/nodes';
import { checkWindows } from '../windows/check-windows';
import type { FixedWindows, WindowDefinition, WindowResult } from '../windows/window';
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
  window(windows: WindowDefinition, options?: NodeOptions): SessionWindowedStream<V, K>;
  window(definition: WindowDefinition, options?: NodeOptions): WindowedStream<V, K> | SessionWindowedStream<V, K> {
    return this.windowed(definition, options, true);
  }

  /**
   * `window()`, for `Stream.window` too. A grouped window and its aggregate make one node, so two
   * different names would lose one: refused (`oneNode`). A global window's name also names the
   * group-by node it adds (`<name>-all`), so there the aggregate's own name may differ.
   */
  windowed(definition: WindowDefinition, options: NodeOptions | undefined, oneNode: boolean): WindowedStream<V, K> | SessionWindowedStream<V, K> {
    const { graph, node } = this;
    const windows = checkWindows(definition);
    return {
      aggregate<A, R>(aggregator: Aggregator<V, A, R>, opts?: AggregateOptions): StatefulStream<WindowResult<K, R>, K, V> {
        if (oneNode && opts?.name !== undefined && options?.name !== undefined && opts.name !== options.name) {
          throw new Error(`window() is named '${options.name}' and its aggregate() '${opts.name}': they make one node, give it one name`);
        }
        if (windows.kind === 'session' && typeof (aggregator as { merge?: unknown } | undefined)?.merge !== 'function') {
          // The types ask for a MergeableAggregator; a JavaScript caller or a cast gets here, and
          // would otherwise fail at the first record that bridges two sessions, at every replay.
          const name = (aggregator as { name?: unknown } | undefined)?.name;
          throw new TypeError(`session windows merge sessions: the aggregator${typeof name === 'string' ? ` '${name}'` : ''} given to aggregate() has no merge(a, b)`);
        }
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
