import type { Key, Origin } from '../runtime/record';
import { inMemoryStores } from '../state/in-memory-stores';
import { storeNameOf, timerStoreNameOf } from '../topology/topology';
import type { ProcessNode } from '../topology/nodes';
import { jsonCodec, type Codec } from '../util/json';
import type { KeyState, KeyTimers, ProcessorContext, Timer } from './keyed-processor';
import type { Operator, OperatorContext } from './operator';
import { keyTimersCodec, TimerQueue, type KeyTimerSlots } from './timer-queue';

interface Pending {
  readonly id: string | number;
  /** Replaced in place by the next `emitLatest` of the same key and id. */
  value: unknown;
  timestamp: number;
}

/**
 * Runs a user's keyed processor. A source's record before its partition's watermark is late and
 * goes to `late()` (a stateful operator's result never is, a processor's emit included); due event-time timers fire whenever its watermark moves, which happens before the
 * record that moved it is processed (after a groupBy too: the engine moves a re-keyed task's
 * watermark before each record). So a key sees the same records and timer firings, in the same
 * order, live or replayed, on the source's key; after a groupBy, the order of one key's records
 * from different partitions, and of its timers among them, follows how the partitions interleave
 * (the README, "Keyed processors").
 */
export function keyedProcessOperator(node: ProcessNode, ctx: OperatorContext): Operator {
  const { processor } = node;
  const stores = node.store ?? inMemoryStores;
  const state = ctx.register(stores.keyValue<Key, unknown>(storeNameOf(node), (processor.stateCodec ?? jsonCodec) as Codec<unknown>));
  const timerStoreName = timerStoreNameOf(node);
  const timers = ctx.register(stores.timers?.(timerStoreName) ?? new TimerQueue(stores.keyValue<Key, KeyTimerSlots>(timerStoreName, keyTimersCodec)));
  /**
   * Values given to `emitLatest` since the last commit, by key and id: only the last is emitted.
   * A key nearly always has one id pending: it is held directly, a Map only for more.
   */
  const latest = new Map<Key, Pending | Map<string | number, Pending>>();

  // One context object, re-pointed at each call: no allocation per record.
  let currentKey: Key = null;
  let currentTime = 0;
  let origin: Origin = ctx.derivedOrigin();
  /**
   * The origin of what `emit` sends while a source's record is processed: that record's, marked
   * as emitted (see Origin.emitted), with the watermark as that record left it. A processor may
   * stamp an emit earlier than its record: the windows below closed as the record moved the
   * watermark, before it was processed, so judged by the watermark from before the record, the
   * emit would open a closed window again with a partial result; judged by this one, it is late.
   * (On the source's key this is the record's partition's own watermark, so lateness still never
   * depends on how partitions interleave.) One object per record, shared by its emits: a
   * repartition numbers the records of one origin by it.
   */
  let emittedFrom: Origin | undefined;
  let emittedOrigin: Origin = origin;
  const emitOrigin = (): Origin => {
    if (origin.offset < 0 || origin.emitted === true) return origin;
    if (emittedFrom !== origin) {
      emittedFrom = origin;
      emittedOrigin = { ...origin, watermark: Math.max(origin.watermark, ctx.watermark()), emitted: true };
    }
    return emittedOrigin;
  };
  const keyState: KeyState<unknown> = {
    get: () => state.get(currentKey),
    set: (value) => state.put(currentKey, value),
    clear: () => void state.delete(currentKey),
  };
  // A timer's time is saved as JSON, which writes Infinity and NaN as null: a timer set to
  // Infinity ("never") came back from a restart as due at the first watermark. Refused at once.
  const finite = (name: string, time: number) => {
    if (!Number.isFinite(time)) throw new RangeError(`processor ${node.name}: timer '${name}' set to ${String(time)}: a timer's time must be a finite number of milliseconds (cancel it instead)`);
    return time;
  };
  const keyTimers: KeyTimers = {
    setEventTime: (name, time) => timers.set(currentKey, { name, time: finite(name, time), type: 'event-time' }),
    setProcessingTime: (name, time) => timers.set(currentKey, { name, time: finite(name, time), type: 'processing-time' }),
    cancel: (name) => timers.cancel(currentKey, name),
    get: (name) => timers.get(currentKey, name)?.time,
  };
  const context: ProcessorContext<Key, unknown, unknown> = {
    get key() {
      return currentKey;
    },
    get timestamp() {
      return currentTime;
    },
    watermark: 0,
    wallClockTime: 0,
    state: keyState,
    timers: keyTimers,
    emit(value, timestamp) {
      ctx.forward({ key: currentKey, value, timestamp: timestamp ?? currentTime, origin: emitOrigin() });
    },
    emitLatest(id, value, timestamp) {
      const time = timestamp ?? currentTime;
      const held = latest.get(currentKey);
      const same = held instanceof Map ? held.get(id) : held?.id === id ? held : undefined;
      if (same !== undefined) {
        // The common case, a pending result again: replaced in place, no new object, no map write.
        same.value = value;
        same.timestamp = time;
        return;
      }
      const pending: Pending = { id, value, timestamp: time };
      if (held === undefined) latest.set(currentKey, pending);
      else if (held instanceof Map) held.set(id, pending);
      else latest.set(currentKey, new Map([[held.id, held], [id, pending]]));
    },
  };
  /**
   * While a result from an operator above is handled, the watermark it carries (below the task's):
   * what `ctx.watermark` shows then, so that every timer at or before it has fired.
   */
  let carried: number | undefined;
  Object.defineProperty(context, 'watermark', { get: () => carried ?? ctx.watermark() });
  Object.defineProperty(context, 'wallClockTime', { get: () => ctx.wallClockTime() });

  const fire = (key: Key, timer: Timer) => {
    currentKey = key;
    currentTime = timer.time;
    // An event-time timer was open until the watermark reached its time.
    origin = timer.type === 'event-time' ? ctx.derivedOrigin(timer.time - 1) : ctx.derivedOrigin();
    try {
      processor.onTimer?.(timer, context);
    } catch (error) {
      // A timer comes from no record: the failure is the timer's, which has fired, and the
      // source's processingErrors decide whether the app stops or the timer is dead-lettered.
      const { name, time, type } = timer;
      ctx.failed({ key, value: { timer: { name, time, type } }, timestamp: time, origin }, error, timer);
    }
  };

  return {
    process(record) {
      // Only a record read from a partition can be late. What a stateful operator above made
      // (offset -1) was made at the watermark it carries: a window result is stamped with its
      // start, always behind that watermark, so judged by it every final result would be late.
      // What a processor above emitted from `process` keeps its record's offset, but is its
      // output too (a session's row stamped with the session's start).
      if (record.origin.offset >= 0 && record.origin.emitted !== true && record.timestamp < record.origin.watermark) {
        ctx.countLate();
        ctx.forwardLate(record);
        return;
      }
      // A result an operator above made as this watermark advance passed it (a window that
      // closed, a timer's output) carries the watermark it was made at, below the task's: the
      // timers due by then fire first, as they would had the watermark stopped there (a re-keyed
      // task's does, before each re-keyed record). Otherwise every result of one advance came
      // before every timer it passed, and how far one advance goes depends on the batches.
      // Kept in no state: a restart must not change which timers fire before which result.
      carried = record.origin.offset < 0 && record.origin.watermark < ctx.watermark() ? record.origin.watermark : undefined;
      if (carried !== undefined) timers.fireDue('event-time', carried, fire);
      currentKey = record.key;
      currentTime = record.timestamp;
      origin = record.origin;
      try {
        processor.process(record.value, context);
      } finally {
        // The processor may throw (see SourceOptions.processingErrors): the next call must not
        // see this record's carried watermark.
        carried = undefined;
      }
    },
    advanceWatermark(watermark) {
      timers.fireDue('event-time', watermark, fire);
    },
    advanceWallClock(now) {
      // Counted here, not by the timer store (a store of your own implements fireDue).
      let fired = false;
      timers.fireDue('processing-time', now, (key, timer) => {
        fired = true;
        fire(key, timer);
      });
      return fired;
    },
    beforeCommit() {
      // Results of the commit, not of one record: they carry the task's watermark now (an
      // operator downstream may have closed windows up to it since the record that gave them).
      const now = ctx.derivedOrigin();
      for (const [key, held] of latest) {
        if (held instanceof Map) for (const { value, timestamp } of held.values()) ctx.forward({ key, value, timestamp, origin: now });
        else ctx.forward({ key, value: held.value, timestamp: held.timestamp, origin: now });
      }
      latest.clear();
    },
  };
}
