import type { FilterNode, FlatMapNode, GroupByNode, MapNode, PeekNode } from '../topology/nodes';
import { checkedKey } from '../runtime/key-problem';
import type { Operator, OperatorContext } from './operator';

// The stateless operators: a few lines each, no state, no time.

export function filterOperator(node: FilterNode, { forward }: OperatorContext): Operator {
  const { predicate } = node;
  return { process: (r) => (predicate(r.value) ? forward(r) : undefined) };
}

export function mapOperator(node: MapNode, { forward }: OperatorContext): Operator {
  const { mapper } = node;
  return {
    process: (r) =>
      forward(
        r.retract
          ? { key: r.key, value: mapper(r.value), timestamp: r.timestamp, origin: r.origin, retract: true }
          : { key: r.key, value: mapper(r.value), timestamp: r.timestamp, origin: r.origin },
      ),
  };
}

export function flatMapOperator(node: FlatMapNode, { forward }: OperatorContext): Operator {
  const { mapper } = node;
  return {
    // A retracted result's values are retracted too (as through map): an upsert sink deletes them.
    process: (r) => {
      for (const value of mapper(r.value)) {
        forward(
          r.retract
            ? { key: r.key, value, timestamp: r.timestamp, origin: r.origin, retract: true }
            : { key: r.key, value, timestamp: r.timestamp, origin: r.origin },
        );
      }
    },
  };
}

export function peekOperator(node: PeekNode, { forward }: OperatorContext): Operator {
  const { action } = node;
  return {
    process: (r) => {
      action(r.value);
      forward(r);
    },
  };
}

/** Re-keys records (or keeps the key, for `groupByKey`). */
export function groupByOperator(node: GroupByNode, { forward }: OperatorContext): Operator {
  const { selector } = node;
  if (selector === undefined) return { process: forward };
  return {
    process: (r) => forward({ key: checkedKey(node.name, selector(r.value)), value: r.value, timestamp: r.timestamp, origin: r.origin }),
  };
}
