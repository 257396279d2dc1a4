import { random } from './crash-input';

/** Points inside one commit where the fixture can kill itself (in the order they come). */
export const PHASES = ['mid-flush', 'flushed', 'prepared', 'finalizing', 'finalized'] as const;
export type Phase = (typeof PHASES)[number];
// mid-flush:  a few ms after the sinks' flushes began (PostgreSQL transaction, Parquet appends and
//             rolls, Kafka deliveries in flight)
// flushed:    every sink flushed, state not yet prepared
// prepared:   state prepared; exactly-once: the Kafka transaction not yet committed
// finalizing: exactly-once: the Kafka transaction committed, the state not yet finalized
// finalized:  state finalized; at-least-once: the group's offsets not yet committed

/**
 * One kill of the fixture:
 * - `startup`: SIGKILL `delayMs` after the process was spawned (loading, joining the group,
 *   restoring state, recovering the lake, first batches);
 * - `timed`: SIGKILL `delayMs` after the process reported a commit covering `records` input
 *   records: wherever it then is, often in a batch or a commit;
 * - a commit phase (`mid-flush`, `flushed`, `prepared`, `finalizing`, `finalized`): the fixture kills
 *   itself (SIGKILL) in that phase of the first commit covering `records` input records.
 */
export interface Kill {
  readonly kind: 'startup' | 'timed' | Phase;
  readonly records: number;
  readonly delayMs: number;
}

/**
 * Six kills, the same for the same seed: one early in a process's life, one at a random moment,
 * one in each dangerous phase of a commit, and one more of a kind the seed picks. Their order is
 * shuffled; the input records they wait for increase through the input, so the crashes spread
 * over the whole run.
 * @example killPlan(7, 3000) // [{ kind: 'prepared', records: 312, delayMs: 0 }, { kind: 'startup', … }, …]
 */
export function killPlan(seed: number, totalRecords: number): Kill[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const kinds: Array<Kill['kind']> = ['startup', 'timed', 'mid-flush', 'prepared', 'finalizing', pick(['startup', 'timed', 'flushed', 'finalized'] as const)];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const step = totalRecords / (kinds.length + 1);
  return kinds.map((kind, i) => ({
    kind,
    records: Math.round(step * (i + 0.5 + next() * 0.8)),
    delayMs: kind === 'startup' ? 300 + Math.floor(next() * 2200) : kind === 'timed' ? Math.floor(next() * 150) : 0,
  }));
}
