import type { Logger } from '../logging/logger';
import type { Origin, StreamRecord } from '../runtime/record';
import type { StateStore } from '../state/state-store';
import type { Timer } from './keyed-processor';

/** Passes a record to the operators downstream. */
export type Forward = (record: StreamRecord) => void;

/** A running node of a task. Stateless operators only implement `process`. */
export interface Operator {
  process(record: StreamRecord): void;
  /** The task's watermark moved forward: close windows, fire event-time timers. */
  advanceWatermark?(watermark: number): void;
  /**
   * Wall-clock time moved: fire processing-time timers. Returns true when that changed state (a
   * timer fired), so the engine commits it even if nothing reached a sink.
   */
  advanceWallClock?(now: number): boolean;
  /** A commit begins: emit the results that changed since the last one (update mode). */
  beforeCommit?(): void;
}

/** What an operator gets from the task that runs it. */
export interface OperatorContext {
  /** Task id, `<sub-topology>_<partition>`. */
  readonly taskId: string;
  readonly partition: number;
  readonly logger: Logger;
  /** Sends records to the node's children. */
  readonly forward: Forward;
  /** Sends records to the node's `late()` children. */
  readonly forwardLate: Forward;
  /** The current watermark this operator follows: its source's, in its task. */
  watermark(): number;
  /**
   * The origin of a record this operator produces (no input offset). What a watermark advance
   * emits gives `lastOpen`, the last watermark that left it open (a window's end - 1, a session's
   * last record + gap, a timer's time - 1), and carries it: its own, however far the advance
   * jumped, so the results below do not depend on batching. Never below the watermark before the
   * advance (operators run parents first, so nothing below has closed past it). Carrying the new
   * watermark instead, it would be late for every stateful operator downstream: the last minute's
   * count for an hourly roll-up of minutes that closes on the same advance. Without `lastOpen`
   * (what a commit or a record emits): the task's watermark now.
   */
  derivedOrigin(lastOpen?: number): Origin;
  wallClockTime(): number;
  /** Registers a store so the task checkpoints it. */
  register<S extends StateStore>(store: S): S;
  /** Counts a record a stateful operator left out as late. */
  countLate(): void;
  /**
   * The application's code threw on `record` in this operator, outside `process` (a timer): the
   * record goes to the dead letters, or the app stops (see SourceOptions.processingErrors). What
   * `process` throws the task handles itself. `timer`: the processor timer that failed.
   */
  failed(record: StreamRecord, error: unknown, timer?: Timer): void;
}

/** The origin given to records a stateful operator produces (they come from no single input). */
export function derivedOrigin(partition: number, watermark: number) {
  return { topic: '', partition, offset: -1, watermark } as const;
}
