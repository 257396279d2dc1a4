import type { CommitInfo } from '../sink';
import type { PartitionOffset } from '../../runtime/record';
import type { ForwardedWarning } from '../../logging/process-warnings';
import type { PackedBatch } from './batch-codec';

// The messages between the engine's thread and a sink thread. A thread hosts one or more sinks,
// each known by a number the engine's side gives it; every request but `write` has an `id` and
// gets `done` or `failed` back. Messages arrive in the order they were posted.

/** How the thread makes a sink: a module's export, called with `args`. */
export interface ThreadedSinkSpec {
  /** Absolute path (or file URL) of the module. */
  readonly module: string;
  /** The export: a function of `args` that returns a Sink (or a promise of one). */
  readonly factory: string;
  readonly args: unknown;
}

export type SinkRequest =
  | { readonly type: 'open'; readonly id: number; readonly sink: number; readonly spec: ThreadedSinkSpec; readonly applicationId: string; readonly nodeName: string }
  | { readonly type: 'write'; readonly sink: number; readonly batch: PackedBatch }
  | { readonly type: 'flush'; readonly id: number; readonly sink: number; readonly commit: CommitInfo }
  | { readonly type: 'committed'; readonly id: number; readonly sink: number; readonly commit: CommitInfo }
  | { readonly type: 'recover'; readonly id: number; readonly sink: number; readonly positions: readonly PartitionOffset[] }
  | { readonly type: 'close'; readonly id: number; readonly sink: number };

/** The requests that get a reply: all but `write`. */
export type SinkCall = Exclude<SinkRequest, { readonly type: 'write' }>;

/** What `open` answers with. */
export interface OpenedSink {
  readonly kind: string;
  readonly target: string;
  /** Whether its writer has `committed` and `recover`: the engine's side offers only those it has, so a commit does not wait for a call that does nothing. */
  readonly committed: boolean;
  readonly recover: boolean;
}

/** An error as it crosses threads: enough to rethrow it with its message and where it came from. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type SinkEvent =
  | { readonly type: 'done'; readonly id: number; readonly result?: OpenedSink }
  /** The thread's heap (V8's total heap size), every second: its share of the process's memory. */
  | { readonly type: 'heap'; readonly bytes: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: ThreadError }
  /** A `write` of this sink threw: the sink is unusable, and its next request fails with this. */
  | { readonly type: 'broken'; readonly sink: number; readonly error: ThreadError }
  /** A process warning of the thread, for the engine's thread to emit again (forwardProcessWarnings). */
  | ({ readonly type: 'warning' } & ForwardedWarning)
  | {
      readonly type: 'log';
      readonly sink: number;
      readonly level: 'error' | 'warn' | 'info' | 'debug';
      readonly message: string;
      readonly fields?: Record<string, unknown>;
    };

export function toThreadError(error: unknown): ThreadError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

export function fromThreadError(error: ThreadError, context: string): Error {
  const rebuilt = new Error(`${context}: ${error.message}`);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = `${rebuilt.name}: ${rebuilt.message}\n    in the sink thread:\n${error.stack}`;
  return rebuilt;
}
