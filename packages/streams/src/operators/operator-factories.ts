import type { Node, NodeKind, SinkNode } from '../topology/nodes';
import type { Topology } from '../topology/topology';
import type { SinkRecord } from '../sinks/sink';
import type { StreamRecord } from '../runtime/record';
import type { GroupByNode } from '../topology/nodes';
import { checkedKey } from '../runtime/key-problem';
import { keyedProcessOperator } from './keyed-process';
import type { Operator, OperatorContext } from './operator';
import { sessionAggregateOperator } from './session-aggregate';
import { sinkOperator } from './sink-operator';
import { filterOperator, flatMapOperator, groupByOperator, mapOperator, peekOperator } from './stateless';
import { windowAggregateOperator } from './window-aggregate';
import { keepsDistinctValues, windowCountDistinctOperator } from './window-count-distinct';

/** What building an operator may need beyond its node and context. */
export interface OperatorEnvironment {
  readonly topology: Topology;
  /** Sends a re-keyed record to the task that owns its new key; `sequence` ranks it among the records of one input record. */
  repartition(node: GroupByNode, record: StreamRecord, sequence: number): void;
  /** The buffer of the sink a sink node writes to. */
  sinkBuffer(node: SinkNode): (record: SinkRecord<unknown>) => void;
}

type Factory<K extends NodeKind> = (node: Extract<Node, { kind: K }>, ctx: OperatorContext, env: OperatorEnvironment) => Operator;

/**
 * One factory per node kind. Keyed by `NodeKind`, so a new kind of node without an operator is a
 * compile error here.
 */
export const operatorFactories: { readonly [K in NodeKind]: Factory<K> } = {
  // Records enter through the task's source ingest, which tracks stream time; this only forwards.
  source: (_node, ctx) => ({ process: ctx.forward }),
  filter: filterOperator,
  map: mapOperator,
  flatMap: flatMapOperator,
  peek: peekOperator,
  // A grouped stream feeds only aggregations and processors, which take events; a retraction (an
  // update-mode session merged away) is none. Left out here, as Kafka Streams' aggregations leave
  // out tombstones: counted, its retracted value would be one more record. Checked only where one
  // can arrive: the other group steps are on every record's path.
  groupBy: (node, ctx, env) => {
    const operator = groupByRecordOperator(node, ctx, env);
    if (!mayCarryRetractions(node)) return operator;
    return { process: (r) => (r.retract === true ? undefined : operator.process(r)) };
  },
  // countDistinct keeps each value once across windows, unless the user gave stores of their own.
  windowAggregate: (node, ctx) =>
    keepsDistinctValues(node)
      ? windowCountDistinctOperator(node, ctx)
      : windowAggregateOperator(node, ctx),
  sessionAggregate: sessionAggregateOperator,
  process: keyedProcessOperator,
  late: (_node, ctx) => ({ process: ctx.forward }),
  sink: (node, _ctx, env) => sinkOperator(env.sinkBuffer(node)),
};

/** Whether records reaching `node` may be retractions: it is downstream of an update-mode session aggregation through stateless steps. */
function mayCarryRetractions(node: GroupByNode): boolean {
  let parent: Node = node.parent;
  for (;;) {
    if (parent.kind === 'sessionAggregate') return parent.emit === 'update';
    if (parent.kind !== 'filter' && parent.kind !== 'map' && parent.kind !== 'flatMap' && parent.kind !== 'peek') return false;
    parent = parent.parent;
  }
}

/** Re-keys in process, or sends the record through its repartition topic. */
function groupByRecordOperator(node: GroupByNode, ctx: OperatorContext, env: OperatorEnvironment): Operator {
  if (!env.topology.isRepartition(node)) return groupByOperator(node, ctx);
  const selector = node.selector!;
  // A flatMap upstream gives several records one origin offset: number them, so that a replay's
  // duplicates can be told from new records downstream.
  // Records made from one input record share its origin object.
  let lastOrigin: unknown;
  let sequence = 0;
  return {
    process: (r) => {
      sequence = r.origin === lastOrigin ? sequence + 1 : 0;
      lastOrigin = r.origin;
      env.repartition(node, { key: checkedKey(node.name, selector(r.value)), value: r.value, timestamp: r.timestamp, origin: r.origin }, sequence);
    },
  };
}

export function createOperator(node: Node, ctx: OperatorContext, env: OperatorEnvironment): Operator {
  return (operatorFactories[node.kind] as Factory<NodeKind>)(node as never, ctx, env);
}
