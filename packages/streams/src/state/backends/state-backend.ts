import type { Json } from '../../util/json';

/**
 * Where each store of a topology runs and what it holds: store name → [sub-topology id, shape],
 * and 'unused' for a store an earlier version had, whose entries the backend may still hold.
 */
export type StoreLayout = Readonly<Record<string, readonly [subtopology: number, shape: string, unused?: 'unused']>>;

/** What a task's state reflects: the input consumed and the event-time progress made. */
export interface TaskCheckpoint {
  /** Next offset to consume, per input partition (`topic:partition`), that the task's state reflects. */
  readonly offsets: Readonly<Record<string, number>>;
  /** Event-time progress: stream time per input partition, or watermark per upstream partition. */
  readonly time: Readonly<Record<string, number>>;
  /**
   * Tasks fed by a repartition topic: per source partition, its last watermark and the last
   * (offset, sequence) taken from it, to drop what a replay sends again.
   */
  readonly origins?: Readonly<Record<string, readonly [watermark: number, offset: number, sequence: number]>>;
  /**
   * Every store of the topology that wrote it, by name: the sub-topology it ran in and what it held
   * (storeLayoutOf). Checked at restore against the topology (checkStoreLayout).
   */
  readonly layout?: StoreLayout;
}

/** A task's committed state: its checkpoint and every store's entries. */
export interface TaskSnapshot {
  readonly checkpoint: TaskCheckpoint;
  readonly stores: ReadonlyMap<string, ReadonlyMap<string, Json>>;
}

/** What one commit changes in one task: entries (null deletes) and the new checkpoint. */
export interface TaskChanges {
  readonly checkpoint: TaskCheckpoint;
  readonly stores: ReadonlyMap<string, ReadonlyMap<string, Json | null>>;
  /**
   * The task's whole state as of this commit (these changes included), read lazily from the live
   * stores. Call it before `prepare` returns; it is valid until `prepare`'s promise resolves. A
   * backend that compacts writes its snapshot from this rather than rebuilding the state from its
   * own log, which would hold a second copy in memory.
   */
  readonly allEntries?: () => Iterable<readonly [store: string, key: string, value: Json]>;
}

/** How a claim of an application's state waits for another holder. */
export interface ClaimOptions {
  /** The state (`where`) is held by `holder`: the claim waits up to `waitMs` for it to be let go. */
  readonly onWait?: (wait: { readonly holder: string; readonly where: string; readonly waitMs: number }) => void;
  /** Ends the wait (a stop): nothing is claimed, and the claim rejects. */
  readonly signal?: AbortSignal;
}

/**
 * Where task state is persisted. A commit is atomic across all its tasks: after a crash at any
 * point, `restore` returns every task as of the same commit, so state and offsets never disagree.
 *
 * Committing takes two steps so that it can be tied to another system's commit (a Kafka
 * transaction): `prepare` makes the changes durable but invisible, `finalize` makes them the state
 * `restore` returns. After a crash between the two, `prepared` tells which commit was left
 * pending; whoever knows whether the other system committed it finalizes it (or leaves it, and the
 * next `restore` discards it).
 */
export interface StateBackend {
  /** 'memory', 'local'…, for describe() and logs. */
  readonly kind: string;
  /** Whether state survives the process (a restart resumes from it). */
  readonly durable: boolean;
  /**
   * Claims the application's state for this process until the returned release is called: a
   * second claim of the same state, by another process or another backend in this one, is refused
   * (it rejects, naming the holder) instead of both writing it. The runtime claims before it
   * connects, and releases after its last write. Absent where nothing can be shared (memory) or
   * Kafka arbitrates (changelogs).
   */
  claim?(applicationId: string, options?: ClaimOptions): Promise<() => Promise<void>>;
  /** The last finalized state of these tasks; tasks never committed are absent. Discards a pending prepared commit. */
  restore(applicationId: string, taskIds: readonly string[]): Promise<Map<string, TaskSnapshot>>;
  /**
   * Persists one commit's changes for the given tasks, durably but not yet visible to `restore`.
   * The values are the stores' live objects, which the engine changes again as soon as this
   * returns (it processes on while the commit completes): whatever is kept is copied or encoded
   * before returning. The exception is `allEntries`: a backend that calls it before returning may
   * read the live stores until its promise resolves, and the engine waits for that.
   */
  prepare(applicationId: string, commitId: number, tasks: ReadonlyMap<string, TaskChanges>): Promise<void>;
  /** Makes a prepared commit (and every earlier one) the state `restore` returns. */
  finalize(applicationId: string, commitId: number): Promise<void>;
  /** A commit prepared and never finalized, with each task's checkpoint, if any. */
  prepared(applicationId: string): Promise<{ commitId: number; checkpoints: Map<string, TaskCheckpoint> } | undefined>;
  /** The id of the last finalized commit (0 when none). */
  lastCommitId(applicationId: string): Promise<number>;
  close(): Promise<void>;
}

/** Applies one commit's changes to a mutable copy of a task's state. */
export function applyChanges(
  target: Map<string, Map<string, Json>>,
  stores: ReadonlyMap<string, ReadonlyMap<string, Json | null>>,
): void {
  for (const [storeName, entries] of stores) {
    let store = target.get(storeName);
    if (store === undefined) target.set(storeName, (store = new Map()));
    for (const [key, value] of entries) {
      if (value === null) store.delete(key);
      else store.set(key, value);
    }
  }
}
