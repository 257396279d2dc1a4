import { Session } from 'node:inspector/promises';
import { mapCallFramesToSources, shortLocation, type CallFrame } from './profile';

/** A V8 sampling heap profile, as `node --heap-prof` writes it (`.heapprofile`, JSON). */
export interface HeapProfile {
  readonly head: HeapProfileNode;
}

export interface HeapProfileNode {
  readonly callFrame: CallFrame;
  /** Bytes of the samples taken in this function's own code. */
  readonly selfSize: number;
  readonly children: readonly HeapProfileNode[];
}

/** Bytes allocated by one function's own code (not by what it calls). */
export interface AllocationSite {
  readonly functionName: string;
  readonly location: string;
  readonly bytes: number;
  /** Share of all sampled bytes. */
  readonly share: number;
}

/**
 * Samples this process's allocations from now until the returned function is called (one sample
 * about every `samplingIntervalBytes` allocated), counting objects the GC has collected since:
 * what the pipeline allocates, garbage included, which is what the garbage collector's time is
 * spent on. `node --heap-prof` keeps only the objects still alive at exit.
 */
export async function startAllocationProfile(samplingIntervalBytes = 16_384): Promise<() => Promise<HeapProfile>> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  // The two flags are V8's (Node 20 has them) but not yet in @types/node's parameter type.
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: samplingIntervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as { samplingInterval: number });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    return profile as unknown as HeapProfile;
  };
}

/** Every node of the tree, with its caller (undefined for the root). */
function* nodesOf(head: HeapProfileNode): Generator<{ node: HeapProfileNode; caller: HeapProfileNode | undefined }> {
  const pending: Array<{ node: HeapProfileNode; caller: HeapProfileNode | undefined }> = [{ node: head, caller: undefined }];
  while (pending.length > 0) {
    const entry = pending.pop()!;
    yield entry;
    for (const child of entry.node.children) pending.push({ node: child, caller: entry.node });
  }
}

/** Moves the profile's positions to the TypeScript sources (see `mapToSources`). */
export function mapAllocationsToSources(profile: HeapProfile): void {
  mapCallFramesToSources([...nodesOf(profile.head)].map((n) => n.node.callFrame));
}

/**
 * Sampled bytes per function (by name and place), most first. A built-in with no place of its own
 * (an iterator's `next`, `Array.prototype.sort`, `Map.prototype.set`) is named with its caller and
 * placed there: `next ← getStatistics`, at hyparquet-writer's column.js.
 */
export function allocationSites(profile: HeapProfile): AllocationSite[] {
  const bySite = new Map<string, { functionName: string; location: string; bytes: number }>();
  let total = 0;
  for (const { node, caller } of nodesOf(profile.head)) {
    if (node.selfSize === 0) continue;
    const own = node.callFrame;
    const builtIn = own.url === '' && caller !== undefined && caller.callFrame.url !== '';
    const { url, lineNumber } = builtIn ? caller.callFrame : own;
    const name = builtIn ? `${own.functionName || '(anonymous)'} ← ${caller.callFrame.functionName || '(anonymous)'}` : own.functionName || '(anonymous)';
    const location = shortLocation(url, lineNumber);
    const key = `${name}\u0000${location}`;
    const site = bySite.get(key) ?? { functionName: name, location, bytes: 0 };
    site.bytes += node.selfSize;
    bySite.set(key, site);
    total += node.selfSize;
  }
  return [...bySite.values()].map((s) => ({ ...s, share: total > 0 ? s.bytes / total : 0 })).sort((a, b) => b.bytes - a.bytes);
}

/** The top `n` sites as aligned text lines, with the bytes each allocates per record. */
export function formatAllocationSites(sites: readonly AllocationSite[], n: number, records: number): string {
  const top = sites.slice(0, n);
  const name = Math.max(8, ...top.map((s) => s.functionName.length));
  return [
    `${'MB'.padStart(7)}  ${'share'.padStart(6)}  ${'B/event'.padStart(7)}  ${'function'.padEnd(name)}  location`,
    ...top.map(
      (s) =>
        `${(s.bytes / 2 ** 20).toFixed(0).padStart(7)}  ${`${(s.share * 100).toFixed(1)}%`.padStart(6)}  ${(s.bytes / records).toFixed(0).padStart(7)}  ${s.functionName.padEnd(name)}  ${s.location}`,
    ),
  ].join('\n');
}
