import type { KafkaConsumer } from 'node-rdkafka';
import type { Logger } from '../../logging/logger';
import type { Engine } from '../../runtime/engine';
import type { CommitInfo } from '../../sinks/sink';
import type { Clock } from '../../time/clock';
import { commitMarkerTopic } from './internal-topics';
import type { KafkaProducer } from './kafka-producer';

export interface CommitCycleOptions {
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly exactlyOnce: boolean;
  readonly applicationId: string;
  /** The key of this instance's commit markers (exactly-once; see SINGLE_INSTANCE_MARKER_KEY). */
  readonly markerKey: string;
  readonly logger: Logger;
  /** The runtime's clients, connected once `start` has reached Kafka. */
  readonly consumer: () => KafkaConsumer;
  readonly producer: () => KafkaProducer | undefined;
}

/**
 * When and how `KafkaStreams` commits an engine's work: sinks flushed first, then state, then
 * offsets (at-least-once: the group's; exactly-once: in the producer's transaction, with a
 * commit marker). Commits come every `intervalMs`, or at once when the engine has buffered too
 * much; a revocation or a stop commits and waits (`commitAndWait`).
 */
export class CommitCycle {
  private lastCommit = 0;
  /** At-least-once: the commit whose writes run while the loop goes on (see `start`). */
  private inFlight: Promise<void> | undefined;
  private failure: unknown;
  /** Whether the commit in flight is still writing (at-least-once). */
  private running = false;

  constructor(private readonly options: CommitCycleOptions) {}

  /** Throws the error of a commit that failed while the loop went on (at-least-once). */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Counts the interval from now: an engine has just started on newly assigned partitions. */
  restartInterval(): void {
    this.lastCommit = this.options.clock.now();
  }

  /** After each batch: commits if one is due, or at once if the engine holds `full` buffers. */
  async afterBatch(engine: Engine, full: boolean): Promise<void> {
    if (this.options.exactlyOnce) {
      if (full || this.due(engine)) await this.commitAndWait(engine);
    } else if (full || this.startsNow(engine)) {
      await this.start(engine);
    }
  }

  /** Commits and waits until the commit is complete everywhere (revocation, stop, exactly-once). */
  async commitAndWait(engine: Engine): Promise<void> {
    await this.settle();
    let info: CommitInfo;
    if (this.options.exactlyOnce) {
      const producer = this.options.producer()!;
      info = await engine.commit({
        beforeFinalize: (i) => {
          // The commit's id goes in its own transaction: after a crash between the transaction's
          // commit and the state's finalize, this marker says whether the transaction made it.
          producer.send(commitMarkerTopic(this.options.applicationId), this.options.markerKey, Buffer.from(JSON.stringify({ commitId: i.id })), undefined, undefined, 0);
          return producer.commitTransaction(i.offsets, this.options.consumer());
        },
      });
      await producer.beginTransaction();
    } else {
      info = await engine.commit();
      this.commitOffsets(info);
    }
    await engine.committed(info);
    this.lastCommit = this.options.clock.now();
  }

  /** Waits for the commit in flight, if any; throws if it failed. */
  async settle(): Promise<void> {
    const cycle = this.inFlight;
    this.inFlight = undefined;
    if (cycle !== undefined) await cycle;
  }

  /** A failure is being handled: lets the commit in flight end, whatever its outcome. */
  async abandon(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  /** A commit interval has passed since the last commit started, and there is something to commit. */
  private due(engine: Engine): boolean {
    return this.options.clock.now() - this.lastCommit >= this.options.intervalMs && engine.hasUncommittedWork();
  }

  /**
   * At-least-once: whether the loop starts the due commit now. A commit that comes due while the
   * previous one is still writing starts when that one completes, and the loop goes on
   * processing meanwhile, for at most one more interval; then `start` waits for it. So a
   * loop that outruns its sinks is held back, a commit holds at most two intervals of input, and
   * under load commits grow: their fixed costs (a row per session touched, a flush per sink, an
   * fsync per task) are paid less often than every interval.
   */
  private startsNow(engine: Engine): boolean {
    if (!this.due(engine)) return false;
    return !this.running || this.options.clock.now() - this.lastCommit >= 2 * this.options.intervalMs;
  }

  /**
   * At-least-once: starts a commit and returns once the engine has taken its snapshot, so the
   * loop reads and processes the next records while the sinks write this commit's output (on
   * PostgreSQL's, librdkafka's and the file system's threads, not this one). The offsets are
   * committed at the source when it completes. One commit at a time: this waits for the one in
   * flight, if any (see `startsNow` for when the loop calls it). Exactly-once cannot
   * overlap (the next records would go into the transaction being committed): it commits with
   * `commitAndWait`.
   */
  private async start(engine: Engine): Promise<void> {
    await this.settle();
    const { completion } = await engine.startCommit();
    this.lastCommit = this.options.clock.now();
    const cycle = completion.then(async (info) => {
      this.commitOffsets(info);
      await engine.committed(info);
    });
    this.running = true;
    cycle.then(
      () => {
        this.running = false;
      },
      (error: unknown) => {
        this.running = false;
        this.failure ??= error;
      },
    );
    this.inFlight = cycle;
  }

  /** At-least-once: commits a completed commit's offsets to the consumer group. */
  private commitOffsets(info: CommitInfo): void {
    if (info.offsets.length === 0) return;
    try {
      this.options.consumer().commitSync(info.offsets.map((o) => ({ ...o })));
    } catch (error) {
      // The state checkpoint already holds these offsets and is what a restart resumes from;
      // a group commit lost to a rebalance only matters to a different instance.
      this.options.logger.warn('offset commit failed; the state checkpoint keeps the position', { error: (error as Error).message });
    }
  }
}
