import type { Logger } from '../logging/logger';
import type { Timer } from '../operators/keyed-processor';
import type { DeadLetter } from '../sources/dead-letter';
import type { Clock } from '../time/clock';
import type { Node } from '../topology/nodes';
import { rootSourceOf } from '../topology/topology';
import { messageOf } from '../util/error-message';
import { describeFailedRecord, failedRecordLetter, readRecordOf } from './failed-record';
import { operatorLabel, ProcessingFailure, stopsWhateverTheSource } from './processing-failure';
import type { RawRecord, StreamRecord } from './record';

/** How often a node's failures are logged, at most. */
const LOG_INTERVAL_MS = 10_000;

/**
 * What the engine does when the application's code throws on a record (see
 * SourceOptions.processingErrors): with 'dead-letter', the record goes to its source's dead
 * letters, is counted and (at most every 10 s per operator) logged, and processing goes on;
 * otherwise, or for an error that stops the app whatever the source says, `handle` throws.
 */
export class ProcessingErrorHandler {
  /** The record read from Kafka last dead-lettered: a record read once is dead-lettered once. */
  private lastLettered: RawRecord | undefined;
  /** Per node: when a failure was last logged, and how many since went unlogged. */
  private readonly logged = new Map<string, { at: number; unlogged: number }>();

  constructor(
    /** Failures per node, in the engine's metrics. */
    private readonly counts: Record<string, number>,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** Sends a letter to the dead-letter sink of the source `topic`. */
    private readonly sendDeadLetter: (topic: string, letter: DeadLetter) => void,
  ) {}

  /** `reading`: the record the engine is processing, if any; `timer`: the processor timer that failed, if it was one. */
  handle(node: Node, record: StreamRecord, error: unknown, reading: RawRecord | undefined, timer?: Timer): void {
    if (stopsWhateverTheSource(error)) throw error;
    const source = rootSourceOf(node);
    const read = timer === undefined ? readRecordOf(reading, record) : undefined;
    const message = messageOf(error);
    const described = describeFailedRecord(read, record, timer);
    if (source.processingErrors !== 'dead-letter') {
      throw new ProcessingFailure(
        node.name,
        `the application's code failed in ${operatorLabel(node)} on ${described}: ${message} (processingErrors 'dead-letter' on source '${source.topic}' would set such records aside)`,
        { cause: error },
      );
    }
    this.counts[node.name] = (this.counts[node.name] ?? 0) + 1;
    this.log(node, described, message);
    // Sent again after a fix, each letter would be processed again, whole: one per record read,
    // with its first failure's reason, however many of the records made from it fail (a
    // flatMap's, two branches').
    if (read !== undefined && read === this.lastLettered) return;
    if (read !== undefined) this.lastLettered = read;
    this.sendDeadLetter(source.topic, failedRecordLetter(read, record, source.topic, `processing failed in ${operatorLabel(node)}: ${message}`));
  }

  /** One line per operator every 10 s at most: code that throws on every record (a bad deploy) would write a line per record. */
  private log(node: Node, described: string, message: string): void {
    const now = this.clock.now();
    const last = this.logged.get(node.name);
    if (last !== undefined && now - last.at < LOG_INTERVAL_MS) {
      last.unlogged++;
      return;
    }
    this.logger.warn("the application's code failed on a record: dead-lettered, processing goes on", {
      node: node.name,
      record: described,
      error: message,
      ...(last !== undefined && last.unlogged > 0 ? { moreSinceLastLine: last.unlogged } : {}),
    });
    this.logged.set(node.name, { at: now, unlogged: 0 });
  }
}
