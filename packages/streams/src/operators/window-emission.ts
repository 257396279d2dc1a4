import type { Key, Origin, StreamRecord } from '../runtime/record';
import type { EmitMode } from '../topology/nodes';
import type { WindowResult } from '../windows/window';
import { ownCopy } from '../util/copy';
import type { OperatorContext } from './operator';

/** How a fixed-window operator sends its results on, whatever it keeps them in. */
export interface WindowEmission {
  /** A record reached the window of `start` under `key` (update mode emits it at the next commit). */
  touched(start: number, key: Key): void;
  /** The window closes: emits every key's result (final mode), or the changed ones (update mode). */
  close(start: number, results: Iterable<readonly [Key, unknown]>): void;
  /** A commit begins: emits the changed results, oldest window first (update mode). */
  beforeCommit(): void;
}

/**
 * The emission rules shared by the fixed-window operators (`window-aggregate.ts` and
 * `window-count-distinct.ts`): `result(start, key)` reads a window's current result.
 */
export function windowEmission(
  ctx: OperatorContext,
  size: number,
  emit: EmitMode,
  result: (start: number, key: Key) => unknown,
): WindowEmission {
  /** Windows and keys changed since the last emission (update mode). */
  const changed = new Map<number, Set<Key>>();

  const send = (start: number, key: Key, value: unknown, origin: Origin) => {
    const out: WindowResult<Key, unknown> = { key, windowStart: start, windowEnd: start + size, value };
    ctx.forward({ key, value: out, timestamp: start, origin } satisfies StreamRecord);
  };

  /** `open`: the window stays open, so a result that is (or holds) its accumulator is sent as a copy, or it would change under whoever received it as later records arrive. */
  const emitChanged = (start: number, keys: Set<Key>, origin: Origin, open: boolean) => {
    for (const key of keys) {
      const value = result(start, key);
      if (value !== undefined) send(start, key, open ? ownCopy(value) : value, origin);
    }
  };

  return {
    touched(start, key) {
      if (emit !== 'update') return;
      let keys = changed.get(start);
      if (keys === undefined) changed.set(start, (keys = new Set()));
      keys.add(key);
    },

    close(start, results) {
      // Open until the watermark reached its end: windows below as long or longer, aligned, take it in.
      const origin = ctx.derivedOrigin(start + size - 1);
      if (emit === 'final') {
        for (const [key, value] of results) send(start, key, value, origin);
        return;
      }
      const keys = changed.get(start);
      if (keys) emitChanged(start, keys, origin, false);
      changed.delete(start);
    },

    beforeCommit() {
      if (emit !== 'update') return;
      const ordered = [...changed.keys()].sort((a, b) => a - b);
      const origin = ctx.derivedOrigin();
      for (const start of ordered) emitChanged(start, changed.get(start)!, origin, true);
      changed.clear();
    },
  };
}
