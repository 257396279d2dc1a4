import type { Random } from '../random';
import type { Session } from './sessions';

/** One simulated user: an id, and the session in progress if any. */
export interface SimUser {
  readonly id: string;
  session: Session | undefined;
  /** Simulation time at which an absent user comes back. */
  awayUntil: number;
  /** Position in the pool's list of present users; -1 while away. */
  slot: number;
}

/**
 * `user-0042`: zero-padded to 4 digits, or to the width of the largest id of a bigger pool, so ids
 * sort like their numbers.
 */
export function userId(index: number, poolSize: number): string {
  return `user-${String(index).padStart(Math.max(4, String(poolSize - 1).length), '0')}`;
}

/**
 * The simulated users. Present users are drawn uniformly, so most of them have a session open at
 * any moment. A user who abandons a session is sent away for `awayMs` of simulation time (longer
 * than the pipeline's session timeout, so that session times out instead of being superseded by
 * the user's next one). At least half the pool stays present: below that, the user gone longest
 * comes back early, so a small pool at a high rate spreads its records over half its users rather
 * than over the last one left (the pool emptied otherwise: at 10 events/s, 100 users were all away
 * after ~10 minutes and one user at a time sent every record). Abandoned sessions therefore time
 * out only while the absent half can stay away past the timeout: about `50 × rate` users or more
 * at an abandon rate of 0.1.
 */
export class UserPool {
  readonly users: readonly SimUser[];
  private readonly present: SimUser[];
  /** Absent users in the order they left, which is also the order they come back (fixed `awayMs`). */
  private away: SimUser[] = [];
  private awayHead = 0;

  /** Fewest users present at a pick: half the pool (at least 1). */
  readonly minPresent: number;

  constructor(
    size: number,
    private readonly awayMs: number,
  ) {
    this.users = Array.from({ length: size }, (_, i): SimUser => ({ id: userId(i, size), session: undefined, awayUntil: 0, slot: i }));
    this.present = [...this.users];
    this.minPresent = Math.ceil(size / 2);
  }

  /** Users present at `now` (those back from away included). */
  get presentCount(): number {
    return this.present.length;
  }

  /**
   * A present user, uniformly. First brings back the users whose time away is over, then, while
   * fewer than {@link minPresent} are present, the ones gone longest, early.
   */
  pick(random: Random, now: number): SimUser {
    while (this.awayHead < this.away.length && this.away[this.awayHead]!.awayUntil <= now) this.comeBack();
    while (this.present.length < this.minPresent) this.comeBack();
    return this.present[random.int(this.present.length)]!;
  }

  /** Takes `user` out of the pool until `now + awayMs`. */
  sendAway(user: SimUser, now: number): void {
    const last = this.present.pop()!;
    if (last !== user) {
      this.present[user.slot] = last;
      last.slot = user.slot;
    }
    user.slot = -1;
    user.awayUntil = now + this.awayMs;
    this.away.push(user);
  }

  private comeBack(): void {
    const user = this.away[this.awayHead++]!;
    user.slot = this.present.length;
    this.present.push(user);
    if (this.awayHead > 1024 && this.awayHead * 2 > this.away.length) {
      this.away = this.away.slice(this.awayHead);
      this.awayHead = 0;
    }
  }
}
