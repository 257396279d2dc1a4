import type { Key, StreamRecord } from '../runtime/record';
import type { EmitMode } from '../topology/nodes';
import type { WindowResult } from '../windows/window';
import { derivedOrigin, type OperatorContext } from './operator';

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

  /** `watermark`: what the result carries downstream (`derivedOrigin`). */
  const send = (start: number, key: Key, value: unknown, watermark: number) => {
    const out: WindowResult<Key, unknown> = { key, windowStart: start, windowEnd: start + size, value };
    ctx.forward({ key, value: out, timestamp: start, origin: derivedOrigin(ctx.partition, watermark) } satisfies StreamRecord);
  };

  const emitChanged = (start: number, keys: Set<Key>, watermark: number) => {
    for (const key of keys) {
      const value = result(start, key);
      if (value !== undefined) send(start, key, value, watermark);
    }
  };

  /**
   * A closing window's results carry the last watermark that left it open, its end - 1 (never
   * below the watermark before this advance): it depends on the window alone, not on how far one
   * advance jumped, and every window downstream that is still open, aligned and as long or
   * longer, takes them in.
   */
  const closing = (start: number) => Math.max(start + size - 1, ctx.derivedWatermark());

  return {
    touched(start, key) {
      if (emit !== 'update') return;
      let keys = changed.get(start);
      if (keys === undefined) changed.set(start, (keys = new Set()));
      keys.add(key);
    },

    close(start, results) {
      const watermark = closing(start);
      if (emit === 'final') {
        for (const [key, value] of results) send(start, key, value, watermark);
        return;
      }
      const keys = changed.get(start);
      if (keys) emitChanged(start, keys, watermark);
      changed.delete(start);
    },

    beforeCommit() {
      if (emit !== 'update') return;
      const ordered = [...changed.keys()].sort((a, b) => a - b);
      for (const start of ordered) emitChanged(start, changed.get(start)!, ctx.watermark());
      changed.clear();
    },
  };
}
