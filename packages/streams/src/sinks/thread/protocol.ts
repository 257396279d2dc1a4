import type { CommitInfo } from '../sink';
import type { PackedBatch } from './batch-codec';
import type { PartitionOffset } from '../../runtime/record';

/** What the worker needs to make the sink: sent once, as `workerData`. */
export interface SinkThreadData {
  /** Absolute path (or file URL) of the module that makes the sink. */
  readonly module: string;
  /** The module's export: a function of `args` that returns a Sink (or a promise of one). */
  readonly factory: string;
  readonly args: unknown;
  readonly applicationId: string;
  readonly nodeName: string;
}

/** A request from the engine's thread; `id` pairs it with its reply. */
export type SinkRequest =
  | { readonly type: 'write'; readonly batch: PackedBatch }
  | { readonly type: 'flush'; readonly id: number; readonly commit: CommitInfo }
  | { readonly type: 'committed'; readonly id: number; readonly commit: CommitInfo }
  | { readonly type: 'recover'; readonly id: number; readonly positions: readonly PartitionOffset[] }
  | { readonly type: 'close'; readonly id: number };

/** An error as it crosses threads: enough to rethrow it with its message and where it came from. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type SinkEvent =
  | { readonly type: 'opened'; readonly kind: string; readonly target: string }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: ThreadError }
  /** A `write` threw: the sink is unusable, and the next request fails with this. */
  | { readonly type: 'broken'; readonly error: ThreadError }
  | { readonly type: 'log'; readonly level: 'error' | 'warn' | 'info' | 'debug'; readonly message: string; readonly fields?: Record<string, unknown> };

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
