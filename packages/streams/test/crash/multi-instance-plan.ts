import { random } from './crash-input';
import type { Phase } from './crash-plan';

/** The two instances of the multi-instance crash test (their instanceId and static group membership). */
export const INSTANCES = ['a', 'b'] as const;
export type InstanceName = (typeof INSTANCES)[number];

/**
 * One kill of one of two running instances, with SIGKILL:
 * - `kind`: a commit phase (the fixture kills itself in that phase of its first commit after the
 *   test signals it, CRASH_KILL_AT=<phase>@signal), or `timed` (`delayMs` after the victim reported
 *   a new commit: wherever it then is);
 * - `then`: `restart`: the victim is started again at once, and its transactional ids abort what
 *   it left open; with static membership it gets its partitions back without a rebalance, with
 *   dynamic membership once the group has expired its old session.
 *   `takeover`: it stays dead until the group expires its session (10 s) and the other instance
 *   holds every partition, restoring the victim's tasks from their changelogs; then it comes
 *   back, and the partitions are shared again. `takeover-killed`: as `takeover`, but the other
 *   instance is SIGKILLed too, `survivorDelayMs` after it begins to take the partitions (its
 *   revoke's commit, its restore of the victim's tasks, its first batches with every partition);
 *   then both are started again.
 */
export interface InstanceKill {
  readonly victim: InstanceName;
  readonly kind: 'timed' | Phase;
  readonly then: 'restart' | 'takeover' | 'takeover-killed';
  /** After a takeover: whether the victim comes back (else the survivor runs on alone to the end). */
  readonly comesBack: boolean;
  readonly delayMs: number;
  /** `takeover-killed`: how long after the survivor began to take the partitions it is killed. */
  readonly survivorDelayMs?: number;
}

/**
 * The kills of a case:
 * - `restarts-and-takeover`: four kills, the same for the same seed (which picks the victims, the
 *   timed kill's delay and the last kill's phase). The takeover follows a phase where the victim
 *   left no transaction open (see `takeover-behind-open-transaction` for the other).
 *   - exactly once: `prepared` (the Kafka transaction open: outputs, repartition records,
 *     changelogs, checkpoints) then restart; `finalizing` (committed, not yet finalized) then
 *     takeover; `timed` then restart.
 *   - at least once: `prepared` (the changelogs' transaction open) then restart; `finalized` (the
 *     changelogs committed, the group's offsets not) then takeover; `timed` then restart.
 *   - last, a restart after `mid-flush` (the sinks writing), `flushed`, or the one of `finalizing`
 *     and `finalized` not used above.
 * - `takeover-behind-open-transaction`: one kill, `prepared` then takeover, for good. The
 *   victim's transaction stays open on the changelogs, the checkpoint topic and (exactly once) the
 *   repartition and output topics until the broker aborts it (transaction.timeout.ms: the fixture's 20 s): the
 *   survivor's restore of the victim's tasks must wait for that, and its own re-keyed tasks cannot
 *   read past the open transaction meanwhile. The victim does not come back, so that the case
 *   stays short (that wait is ~22 s; a comeback costs a rebalance, and the final stop then a
 *   session timeout).
 * - `takeover-killed`: `finalizing` (exactly once) or `finalized` (at least once), then the
 *   takeover is interrupted by a kill of the survivor 0-2 s into it (seeded); then `timed` and a
 *   restart, with both instances back.
 * @example multiInstanceKillPlan(7, 'exactly_once', 'restarts-and-takeover') // [{ victim: 'b', kind: 'prepared', then: 'restart', delayMs: 0 }, …]
 */
export function multiInstanceKillPlan(seed: number, guarantee: 'at_least_once' | 'exactly_once', scenario: KillScenario): InstanceKill[] {
  const next = random(seed);
  const first: InstanceName = next() < 0.5 ? 'a' : 'b';
  const other: InstanceName = first === 'a' ? 'b' : 'a';
  const committedPhase = guarantee === 'exactly_once' ? 'finalizing' : 'finalized';
  if (scenario === 'takeover-behind-open-transaction') return [{ victim: first, kind: 'prepared', then: 'takeover', comesBack: false, delayMs: 0 }];
  if (scenario === 'takeover-killed') {
    return [
      { victim: first, kind: committedPhase, then: 'takeover-killed', comesBack: true, delayMs: 0, survivorDelayMs: Math.floor(next() * 2000) },
      { victim: next() < 0.5 ? 'a' : 'b', kind: 'timed', then: 'restart', comesBack: true, delayMs: Math.floor(next() * 150) },
    ];
  }
  return [
    { victim: first, kind: 'prepared', then: 'restart', comesBack: true, delayMs: 0 },
    { victim: other, kind: committedPhase, then: 'takeover', comesBack: true, delayMs: 0 },
    { victim: next() < 0.5 ? 'a' : 'b', kind: 'timed', then: 'restart', comesBack: true, delayMs: Math.floor(next() * 150) },
    { victim: next() < 0.5 ? 'a' : 'b', kind: pick(next, ['mid-flush', 'flushed', guarantee === 'exactly_once' ? 'finalized' : 'finalizing']), then: 'restart', comesBack: true, delayMs: 0 },
  ];
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

export type KillScenario = 'restarts-and-takeover' | 'takeover-behind-open-transaction' | 'takeover-killed';
