import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './paths';

/** Where a profile's sample is: a function and its place (mapped to sources in place). */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  lineNumber: number;
  columnNumber?: number;
}

/** A V8 CPU profile, as `node --cpu-prof` writes it (`.cpuprofile`, JSON). */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: CallFrame;
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** Time spent in one function's own code (not in what it calls). */
export interface SelfTime {
  readonly functionName: string;
  /** Repository-relative file (or a package name and file), with the line. */
  readonly location: string;
  readonly ms: number;
  /** Share of all samples. */
  readonly share: number;
}

/**
 * Profiles this process from now until the returned function is called, through the inspector:
 * the same profile `node --cpu-prof` writes, but of one step rather than the whole run.
 */
export async function startCpuProfile(samplingIntervalUs = 500): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile as unknown as CpuProfile;
  };
}

/**
 * Moves every position of the profile from the JavaScript tsx compiled to the TypeScript source
 * (tsx registers its source maps; only in the process that ran the code). Without it, a
 * function's line is that of the compiled file, often the same for a whole module.
 */
export function mapToSources(profile: CpuProfile): void {
  mapCallFramesToSources(profile.nodes.map((n) => n.callFrame));
}

/**
 * `mapToSources` for any profile's call frames. A heap profile's are in a tree, and name files by
 * path where a CPU profile has `file://` URLs.
 */
export function mapCallFramesToSources(callFrames: Iterable<CallFrame>): void {
  for (const callFrame of callFrames) {
    const { url } = callFrame;
    if (!(url.startsWith('file://') || url.startsWith('/')) || url.includes('/node_modules/')) continue;
    let map;
    try {
      map = findSourceMap(url.startsWith('file://') ? fileURLToPath(url) : url);
    } catch {
      continue;
    }
    const entry = map?.findEntry(callFrame.lineNumber, callFrame.columnNumber ?? 0) as { originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalLine === undefined) continue;
    callFrame.lineNumber = entry.originalLine;
    callFrame.columnNumber = entry.originalColumn ?? 0;
  }
}

/** Where a function is, short: `packages/streams/src/runtime/engine.ts:123`, `pg/lib/client.js:40`, `node:internal/…`. */
export function shortLocation(url: string, line: number): string {
  if (url === '') return '';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      path = url;
    }
  }
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) path = path.slice(modules + '/node_modules/'.length);
  else if (path.startsWith(REPO_ROOT)) path = relative(REPO_ROOT, path);
  return `${path}:${line + 1}`;
}

/** Self time per function (by name and place), most first. */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time between sample i-1 and sample i: it is charged to sample i-1's node.
  for (let i = 0; i < samples.length; i++) {
    const us = deltas[i + 1] ?? 0;
    byNode.set(samples[i]!, (byNode.get(samples[i]!) ?? 0) + Math.max(0, us));
  }
  let total = 0;
  for (const us of byNode.values()) total += us;
  const byFunction = new Map<string, { functionName: string; location: string; us: number }>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id);
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const location = shortLocation(url, lineNumber);
    const key = `${name}\u0000${location}`;
    const entry = byFunction.get(key) ?? { functionName: name, location, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()]
    .map((e) => ({ functionName: e.functionName, location: e.location, ms: e.us / 1000, share: total > 0 ? e.us / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

/** Self time summed per file (or per package outside the repository), most first. */
export function selfTimesByFile(profile: CpuProfile): Array<{ file: string; ms: number; share: number }> {
  const byFile = new Map<string, { ms: number; share: number }>();
  for (const f of selfTimes(profile)) {
    const file = f.location === '' ? f.functionName : f.location.replace(/:\d+$/, '');
    const entry = byFile.get(file) ?? { ms: 0, share: 0 };
    entry.ms += f.ms;
    entry.share += f.share;
    byFile.set(file, entry);
  }
  return [...byFile].map(([file, v]) => ({ file, ...v })).sort((a, b) => b.ms - a.ms);
}

/** The top `n` functions by self time as aligned text lines. */
export function formatSelfTimes(entries: readonly SelfTime[], n: number): string {
  const top = entries.slice(0, n);
  const name = Math.max(8, ...top.map((e) => e.functionName.length));
  return [
    `${'self ms'.padStart(9)}  ${'share'.padStart(6)}  ${'function'.padEnd(name)}  location`,
    ...top.map((e) => `${e.ms.toFixed(0).padStart(9)}  ${`${(e.share * 100).toFixed(1)}%`.padStart(6)}  ${e.functionName.padEnd(name)}  ${e.location}`),
  ].join('\n');
}
