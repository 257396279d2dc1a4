import type { TSchema } from '@sinclair/typebox';
import type { Aggregator } from '../aggregations/aggregator';
import type { KeyedProcessor } from '../operators/keyed-processor';
import type { DeadLetter } from '../sources/dead-letter';
import type { ProcessingErrors } from '../runtime/processing-failure';
import type { Sink } from '../sinks/sink';
import type { StoreFactory } from '../state/state-store';
import type { FixedWindows, WindowDefinition } from '../windows/window';
import type { SessionWindows } from '../windows/session';

/**
 * The logical topology is a graph of frozen nodes, each pointing at its parent. The DSL only
 * creates nodes; the runtime turns them into operators (see `operators/`). Functions here are
 * untyped: the DSL's generic interfaces are what keep user code typed.
 */
export type Node =
  | SourceNode
  | FilterNode
  | MapNode
  | FlatMapNode
  | PeekNode
  | GroupByNode
  | WindowAggregateNode
  | SessionAggregateNode
  | ProcessNode
  | LateNode
  | SinkNode;

export type NodeKind = Node['kind'];

type Fn<A extends unknown[] = [unknown], R = unknown> = (...args: A) => R;

interface BaseNode {
  /** Unique, deterministic: given by the user or `<kind>-<n>` in creation order. */
  readonly name: string;
}

interface ChildNode extends BaseNode {
  readonly parent: Node;
}

export interface SourceNode extends BaseNode {
  readonly kind: 'source';
  readonly topic: string;
  readonly schema: TSchema;
  readonly key: Fn;
  readonly timestamp: Fn<[unknown], number>;
  /** How far behind the partition's stream time the watermark trails, ms. */
  readonly watermarkDelay: number;
  readonly deadLetter?: Sink<DeadLetter>;
  /** What happens when the application's code throws on a record of this source (default 'stop'). */
  readonly processingErrors?: ProcessingErrors;
  /** Values over this many bytes are dead-lettered unread. */
  readonly maxValueBytes?: number;
  /** Event times more than this many ms ahead of their record's Kafka timestamp (or the wall clock, if earlier) are dead-lettered. */
  readonly maxTimeAhead?: number;
}

export interface FilterNode extends ChildNode {
  readonly kind: 'filter';
  readonly predicate: Fn<[unknown], boolean>;
}

export interface MapNode extends ChildNode {
  readonly kind: 'map';
  readonly mapper: Fn;
}

export interface FlatMapNode extends ChildNode {
  readonly kind: 'flatMap';
  readonly mapper: Fn<[unknown], Iterable<unknown>>;
}

export interface PeekNode extends ChildNode {
  readonly kind: 'peek';
  readonly action: Fn<[unknown], void>;
}

/** Gives records a new key; a stateful operator after it reads them through a repartition. */
export interface GroupByNode extends ChildNode {
  readonly kind: 'groupBy';
  /** Absent for `groupByKey()`: the key stays and no repartition is needed. */
  readonly selector?: Fn;
}

export type EmitMode = 'update' | 'final';

export interface WindowAggregateNode extends ChildNode {
  readonly kind: 'windowAggregate';
  readonly parent: GroupByNode;
  readonly windows: FixedWindows;
  readonly aggregator: Aggregator<unknown, unknown, unknown>;
  readonly emit: EmitMode;
  readonly store: StoreFactory | undefined;
}

export interface SessionAggregateNode extends ChildNode {
  readonly kind: 'sessionAggregate';
  readonly parent: GroupByNode;
  readonly windows: SessionWindows;
  readonly aggregator: Aggregator<unknown, unknown, unknown> & { merge: Fn<[unknown, unknown]> };
  readonly emit: EmitMode;
  readonly store: StoreFactory | undefined;
}

export interface ProcessNode extends ChildNode {
  readonly kind: 'process';
  readonly parent: GroupByNode;
  readonly processor: KeyedProcessor<unknown, unknown, unknown, unknown>;
  readonly store: StoreFactory | undefined;
}

/** The records a stateful operator left out because they were late. */
export interface LateNode extends ChildNode {
  readonly kind: 'late';
  readonly parent: WindowAggregateNode | SessionAggregateNode | ProcessNode;
}

export interface SinkNode extends ChildNode {
  readonly kind: 'sink';
  readonly sink: Sink<never>;
}

export type StatefulNode = WindowAggregateNode | SessionAggregateNode | ProcessNode;

export function isStateful(node: Node): node is StatefulNode {
  return node.kind === 'windowAggregate' || node.kind === 'sessionAggregate' || node.kind === 'process';
}

/** Windows of a stateful node, for describe(). */
export function windowsOf(node: StatefulNode): WindowDefinition | undefined {
  return node.kind === 'process' ? undefined : node.windows;
}
