import type { Logger } from '../../logging/logger';
import type { PartitionOffset } from '../../runtime/record';
import type { CommitInfo, SinkRecord, SinkWriter } from '../sink';
import { packBatch } from './batch-codec';
import type { OpenedSink } from './protocol';
import type { SinkThreadHost } from './sink-thread-host';

/**
 * The engine's writer of a sink that runs in a sink thread: writes go to the thread in batches,
 * every other call waits for the thread's reply. After a failed write in the thread, or the
 * thread's death, every call fails with that, as a failed writer's would in process.
 */
export class ThreadWriter implements SinkWriter<unknown> {
  private failure: Error | undefined;
  /** Records sent to the thread, and of those, the ones a flush has taken (as an in-process sink's count drops when its flush starts). */
  private sent = 0;
  private flushing = 0;

  constructor(
    private readonly host: SinkThreadHost,
    private readonly sink: number,
    readonly label: string,
    private readonly logger: Logger,
  ) {}

  get buffered(): number {
    return this.sent - this.flushing;
  }

  write(records: readonly SinkRecord<unknown>[]): void {
    if (this.failure) throw this.failure;
    const { batch, transfer } = packBatch(records);
    try {
      this.host.post({ type: 'write', sink: this.sink, batch }, transfer);
    } catch (error) {
      if ((error as { name?: string }).name !== 'DataCloneError') throw error;
      // As a failed write in process: the writer is unusable from here on.
      this.fail(new Error(`${this.host.context(this.label)}: its records must be plain data that structured clone can copy: ${(error as Error).message}`));
      throw this.failure;
    }
    this.sent += records.length;
  }

  async flush(commit: CommitInfo): Promise<void> {
    this.flushing = this.sent;
    await this.call((id) => ({ type: 'flush', id, sink: this.sink, commit }));
  }

  /** Set by `offer` when the writer in the thread has them, as a writer in process has them or not. */
  committed?: (commit: CommitInfo) => Promise<void>;
  recover?: (positions: readonly PartitionOffset[]) => Promise<void>;

  /** Takes the calls the writer in the thread has, once it is open there. */
  offer(has: Pick<OpenedSink, 'committed' | 'recover'>): void {
    if (has.committed) this.committed = async (commit) => void (await this.call((id) => ({ type: 'committed', id, sink: this.sink, commit })));
    if (has.recover) this.recover = async (positions) => void (await this.call((id) => ({ type: 'recover', id, sink: this.sink, positions })));
  }

  async close(): Promise<void> {
    try {
      // A broken sink is still closed in its thread (as in process); a dead thread has nothing to close.
      await this.host.call((id) => ({ type: 'close', id, sink: this.sink }), this.label);
    } catch (error) {
      if (this.failure === undefined) throw error;
    } finally {
      await this.host.release(this.sink, this.logger);
    }
  }

  /** From now on every call fails with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
  }

  log(level: 'error' | 'warn' | 'info' | 'debug', message: string, fields?: Record<string, unknown>): void {
    this.logger[level](message, fields);
  }

  private call(make: Parameters<SinkThreadHost['call']>[0]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return this.host.call(make, this.label);
  }
}
