import type { Key, StreamRecord } from '../runtime/record';
import { inMemoryStores } from '../state/in-memory-stores';
import { storeNameOf } from '../topology/topology';
import type { SessionAggregateNode } from '../topology/nodes';
import { ownCopy } from '../util/copy';
import { Heap } from '../util/heap';
import { jsonCodec, wholeValueCodec, type Codec, type Json, type StateCodec } from '../util/json';
import type { WindowResult } from '../windows/window';
import type { Operator, OperatorContext } from './operator';

interface Session {
  start: number;
  /** Time of the session's last record. */
  end: number;
  acc: unknown;
  /** Emitted downstream at least once (so a merge must retract it). */
  emitted: boolean;
}

interface Closing {
  closeAt: number;
  key: Key;
  start: number;
}

/**
 * Aggregates session windows per key. Records no more than `gap` apart share a session; a record
 * within `gap` of two sessions merges them.
 *
 * Lateness: a record is late iff its own time is before its partition's watermark just before it
 * (`t < record.origin.watermark`), so records at the same millisecond all count even with no
 * watermark delay. A session closes once the watermark passes its last record + gap: a record
 * that is not late is at or after the task's watermark (the record that moves the watermark, at
 * or after the new one), so none can extend the session or bridge it to another any more, and
 * closing never contradicts the lateness rule, whatever the interleaving of partitions.
 */
export function sessionAggregateOperator(node: SessionAggregateNode, ctx: OperatorContext): Operator {
  const { aggregator: agg, emit } = node;
  const { gap } = node.windows;
  const accCodec = wholeValueCodec((agg.codec ?? jsonCodec) as StateCodec<unknown>);
  const codec: Codec<Session[]> = {
    encode: (sessions) => sessions.map((s) => ({ start: s.start, end: s.end, acc: accCodec.encode(s.acc), emitted: s.emitted })),
    decode: (json) =>
      (json as Array<{ start: number; end: number; acc: Json; emitted: boolean }>).map((s) => ({ ...s, acc: accCodec.decode(s.acc) })),
  };
  const store = ctx.register((node.store ?? inMemoryStores).keyValue<Key, Session[]>(storeNameOf(node), codec));
  /** An accumulator as a restore would give it back: a copy that shares nothing with the original. */
  const copyOf = (acc: unknown) => accCodec.decode(JSON.parse(JSON.stringify(accCodec.encode(acc))) as Json);
  const closing = new Heap<Closing>((a, b) => a.closeAt < b.closeAt || (a.closeAt === b.closeAt && a.start < b.start));
  /**
   * Sessions changed since the last emission (update mode): their starts, by key. By start, not
   * by object: a store that spills (sqliteStores) gives a key that left its cache back as new
   * objects, and a key's sessions never share a start.
   */
  const changed = new Map<Key, Set<number>>();
  let restored = false;

  /** `origin`: a closing session gives its own (see `advanceWatermark`). */
  const output = (key: Key, s: Session, retract = false, origin = ctx.derivedOrigin()): StreamRecord => {
    // In update mode the session lives on after its row is sent: the row gets a copy of a result
    // that is (or holds) the accumulator, which later records mutate.
    const result = agg.result(s.acc);
    const value: WindowResult<Key, unknown> = { key, windowStart: s.start, windowEnd: s.end, value: emit === 'update' ? ownCopy(result) : result };
    const record = { key, value, timestamp: s.start, origin };
    return retract ? { ...record, retract: true } : record;
  };

  const markChanged = (key: Key, s: Session) => {
    let set = changed.get(key);
    if (set === undefined) changed.set(key, (set = new Set()));
    set.add(s.start);
  };

  /** A session closed, merged away or moved to an earlier start: a key with none left goes. */
  const unmark = (key: Key, start: number) => {
    const set = changed.get(key);
    if (set?.delete(start) && set.size === 0) changed.delete(key);
  };

  /** After a restore the closing index is rebuilt from the store, once. */
  const ensureIndex = () => {
    if (restored) return;
    restored = true;
    for (const [key, sessions] of store.entries()) {
      for (const s of sessions) closing.push({ closeAt: s.end + gap, key, start: s.start });
    }
  };

  return {
    process(record) {
      ensureIndex();
      const { key, timestamp: t } = record;
      if (t < record.origin.watermark) {
        ctx.countLate();
        ctx.forwardLate(record);
        return;
      }
      // The record joins the sessions within `gap` of it (they merge into the first), or starts
      // one. The application's code (merge, add, result) runs first, before any session changes:
      // should it throw, the key's sessions are as they were (see SourceOptions.processingErrors).
      const keep: Session[] = [];
      const joined: Session[] = [];
      for (const s of store.get(key) ?? []) (s.end >= t - gap && s.start <= t + gap ? joined : keep).push(s);
      const into = joined[0];
      // A merge may change the accumulator it merges into (countDistinct's does): it merges into
      // a copy, so a merge followed by a failing `add` leaves `into` as it was. Merges are rare.
      let acc = into === undefined ? agg.init() : joined.length > 1 ? copyOf(into.acc) : into.acc;
      let end = into?.end ?? t;
      // Each session merged away, or moved to an earlier start, had its row sent: it is retracted.
      // Made only then: most records extend one session and retract nothing.
      let retractions: StreamRecord[] | undefined;
      for (let i = 1; i < joined.length; i++) {
        const from = joined[i]!;
        acc = agg.merge!(acc, from.acc);
        end = Math.max(end, from.end);
        if (from.emitted && emit === 'update') (retractions ??= []).push(output(key, from, true));
      }
      if (into !== undefined && t < into.start && into.emitted && emit === 'update') {
        (retractions ??= []).push(output(key, { start: into.start, end, acc, emitted: true }, true));
      }
      acc = agg.add(acc, record.value);

      let merged: Session;
      if (into === undefined) {
        merged = { start: t, end: t, acc, emitted: false };
      } else {
        merged = into;
        for (let i = 1; i < joined.length; i++) unmark(key, joined[i]!.start);
        if (t < merged.start) {
          unmark(key, merged.start);
          merged.emitted = false;
          merged.start = t;
        }
        merged.end = Math.max(end, t);
        merged.acc = acc;
      }
      keep.push(merged);
      if (retractions !== undefined) for (const r of retractions) ctx.forward(r);
      keep.sort((a, b) => a.start - b.start);
      store.put(key, keep);
      closing.push({ closeAt: merged.end + gap, key, start: merged.start });
      if (emit === 'update') markChanged(key, merged);
    },

    advanceWatermark(watermark) {
      ensureIndex();
      for (let next = closing.peek(); next !== undefined && next.closeAt < watermark; next = closing.peek()) {
        closing.pop();
        const sessions = store.get(next.key);
        const s = sessions?.find((x) => x.start === next.start && x.end + gap === next.closeAt);
        if (sessions === undefined || s === undefined) continue; // merged or extended since: a stale entry
        // Open until the watermark passed last + gap.
        if (emit === 'final' || changed.get(next.key)?.has(s.start)) ctx.forward(output(next.key, s, false, ctx.derivedOrigin(next.closeAt)));
        unmark(next.key, s.start);
        const rest = sessions.filter((x) => x !== s);
        if (rest.length > 0) store.put(next.key, rest);
        else store.delete(next.key);
      }
    },

    beforeCommit() {
      if (emit !== 'update') return;
      for (const [key, starts] of changed) {
        const current = store.get(key);
        if (current === undefined) continue;
        let sent = false;
        for (const s of current) {
          if (!starts.has(s.start)) continue;
          s.emitted = true;
          ctx.forward(output(key, s));
          sent = true;
        }
        // `emitted` changed: the store must save it.
        if (sent) store.put(key, current);
      }
      changed.clear();
    },
  };
}
