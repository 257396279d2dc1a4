import type { Logger } from '../logging/logger';
import type { CommitInfo, Sink, SinkRecord, SinkWriter } from '../sinks/sink';
import type { SinkNode } from '../topology/nodes';
import type { Topology } from '../topology/topology';

interface Channel {
  readonly writer: SinkWriter<unknown>;
  /** The (first) node writing to it: its name in the metrics. */
  readonly name: string;
  buffer: SinkRecord<unknown>[];
  /** Time its flushes took, summed. */
  flushMs: number;
}

/**
 * The engine's sinks: one writer per distinct sink (shared by the nodes that write to it), and a
 * buffer each that operators push to during a batch and that is handed to the writer after it.
 */
export class SinkChannels {
  private readonly channels = new Map<Sink<never>, Channel>();
  private readonly ofNode = new Map<SinkNode, Channel>();
  private readonly ofDeadLetters = new Map<string, Channel>();

  async open(topology: Topology, openSink: (sink: Sink<never>, nodeName: string) => Promise<SinkWriter<unknown>>): Promise<void> {
    const channelOf = async (sink: Sink<never>, name: string) => {
      let channel = this.channels.get(sink);
      if (channel === undefined) this.channels.set(sink, (channel = { writer: await openSink(sink, name), name, buffer: [], flushMs: 0 }));
      return channel;
    };
    for (const node of topology.sinks) this.ofNode.set(node, await channelOf(node.sink, node.name));
    for (const source of topology.sources) {
      if (source.deadLetter) this.ofDeadLetters.set(source.topic, await channelOf(source.deadLetter as Sink<never>, `${source.name}-dead-letters`));
    }
  }

  /** The buffer a sink node pushes to. */
  bufferOf(node: SinkNode): (record: SinkRecord<unknown>) => void {
    const channel = this.ofNode.get(node)!;
    return (record) => channel.buffer.push(record);
  }

  /** The dead-letter buffer of a source topic, if it has a dead-letter sink. */
  deadLetterBufferOf(topic: string): ((record: SinkRecord<unknown>) => void) | undefined {
    const channel = this.ofDeadLetters.get(topic);
    return channel && ((record) => channel.buffer.push(record));
  }

  /** Hands every buffer to its writer; returns whether there was anything. */
  drain(): boolean {
    let any = false;
    for (const channel of this.channels.values()) {
      if (channel.buffer.length === 0) continue;
      const batch = channel.buffer;
      channel.buffer = [];
      channel.writer.write(batch);
      any = true;
    }
    return any;
  }

  /** Records the writers hold and have not flushed. */
  buffered(): number {
    let n = 0;
    for (const channel of this.channels.values()) n += channel.writer.buffered ?? 0;
    return n;
  }

  flush(info: CommitInfo): Promise<void>[] {
    return [...this.channels.values()].map((c) => {
      const started = Date.now();
      const done = () => {
        c.flushMs += Date.now() - started;
      };
      return c.writer.flush(info).then(done, (error: unknown) => {
        done();
        throw error;
      });
    });
  }

  /** Time each sink's flushes took, summed (ms), by name. */
  flushTimes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.channels.values()) out[c.name] = c.flushMs;
    return out;
  }

  async committed(info: CommitInfo): Promise<void> {
    await Promise.all([...this.channels.values()].map((c) => c.writer.committed?.(info)));
  }

  async recover(positions: Parameters<NonNullable<SinkWriter<unknown>['recover']>>[0]): Promise<void> {
    await Promise.all([...this.channels.values()].map((c) => c.writer.recover?.(positions)));
  }

  async close(logger: Logger): Promise<void> {
    const results = await Promise.allSettled([...this.channels.values()].map((c) => c.writer.close()));
    for (const r of results) if (r.status === 'rejected') logger.warn('a sink failed to close', { error: String(r.reason) });
  }
}
