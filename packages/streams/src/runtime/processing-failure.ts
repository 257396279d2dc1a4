import type { Node } from '../topology/nodes';
import { messageOf } from '../util/error-message';
import { stopsTheApp } from '../util/stops-the-app';

/** What a source does when the application's code throws on one of its records (see SourceOptions.processingErrors). */
export const PROCESSING_ERRORS = ['stop', 'dead-letter'] as const;
export type ProcessingErrors = (typeof PROCESSING_ERRORS)[number];

/**
 * The application's code threw while an operator handled a record, or an operator failed with no
 * record behind it: the app stops with this error. Its message names the operator (and the
 * record), then gives the code's own message; the code's error is its `cause`.
 */
export class ProcessingFailure extends Error {
  constructor(
    readonly node: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'ProcessingFailure';
  }
}

/**
 * Whether an error stops the app whatever the source's processingErrors say: it already does (a
 * ProcessingFailure from an operator below), it is the machine's rather than the record's (a
 * state store's SQLite file that failed, a full disk, a system call), or the engine marked it so
 * (see `stopsTheAppWith`). Set aside as the record's, every record after it would follow it to
 * the dead letters while the state or the output that should have held them was lost.
 */
export function stopsWhateverTheSource(error: unknown): boolean {
  return error instanceof ProcessingFailure || isSystemFailure(error) || stopsTheApp(error);
}

function isSystemFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'SqliteError' || typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** The operator's kind and name, as messages and reasons name it. */
export function operatorLabel(node: Node): string {
  return `${node.kind} '${node.name}'`;
}

/** The error that stops the app for a failure of `node` that no record is behind (`when`: as event time moved, at a commit…). */
export function failureWithoutRecord(node: Node, when: string, error: unknown): unknown {
  if (stopsWhateverTheSource(error)) return error;
  return new ProcessingFailure(node.name, `${operatorLabel(node)} failed ${when}: ${messageOf(error)}`, { cause: error });
}
