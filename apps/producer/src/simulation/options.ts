/** How the simulated stream looks. Every field has a default ({@link SIMULATION_DEFAULTS}). */
export interface SimulationOptions {
  /** Seed of the pseudo-random generator: the same seed gives the same stream. */
  readonly seed?: number;
  /** Size of the user pool (`user-0000` … ). */
  readonly users?: number;
  /** Number of distinct pages, the most popular first. */
  readonly pages?: number;
  /** Fraction of sessions that never send `session_end`, in [0, 1]. */
  readonly abandonRate?: number;
  /** How long a user who abandoned a session stays silent (simulation time, ms). */
  readonly awayMs?: number;
  /** Every `lateEvery`-th record (1-based) that is an event is late; 0 disables. */
  readonly lateEvery?: number;
  /** How far back a late event's time is shifted (ms). */
  readonly lateByMs?: number;
  /** Every `invalidEvery`-th record (1-based) is malformed; 0 disables. */
  readonly invalidEvery?: number;
  /** Simulation (and virtual event) time advances by 1000 / eventsPerSecond ms per record. */
  readonly eventsPerSecond?: number;
  /** Event time of the first record in virtual time (epoch ms, or an ISO 8601 string). */
  readonly startTime?: number | string;
  /**
   * Reads the event time from this clock (epoch ms) instead of virtual time: live mode,
   * e.g. `Date.now`. The sequence of users, pages and types does not depend on it.
   */
  readonly clock?: () => number;
  /** Stop after this many records; default: never. */
  readonly count?: number;
}

export const SIMULATION_DEFAULTS = Object.freeze({
  seed: 1,
  /** Enough that abandoned users stay away past the session timeout at this rate (see UserPool). */
  users: 1000,
  pages: 20,
  abandonRate: 0.1,
  /** Beyond the pipeline's 30-minute session timeout, so abandoned sessions time out. */
  awayMs: 35 * 60_000,
  lateEvery: 50,
  /**
   * Beyond the pipeline's 2-minute watermark delay: such events are late for page-view counts, sessions
   * and the oldest of their five active-users windows (they still count in the newer four).
   */
  lateByMs: 3 * 60_000,
  invalidEvery: 0,
  eventsPerSecond: 10,
  startTime: Date.UTC(2024, 0, 1),
});

export type ResolvedSimulationOptions = Omit<Required<SimulationOptions>, 'startTime' | 'clock' | 'count'> & {
  readonly startTime: number;
  readonly clock: (() => number) | undefined;
  readonly count: number | undefined;
};

/** Fills in defaults and rejects values the simulation cannot run with (RangeError naming the field). */
export function resolveSimulationOptions(options: SimulationOptions): ResolvedSimulationOptions {
  const d = SIMULATION_DEFAULTS;
  const startTime = typeof options.startTime === 'string' ? Date.parse(options.startTime) : (options.startTime ?? d.startTime);
  const o: ResolvedSimulationOptions = {
    seed: options.seed ?? d.seed,
    users: options.users ?? d.users,
    pages: options.pages ?? d.pages,
    abandonRate: options.abandonRate ?? d.abandonRate,
    awayMs: options.awayMs ?? d.awayMs,
    lateEvery: options.lateEvery ?? d.lateEvery,
    lateByMs: options.lateByMs ?? d.lateByMs,
    invalidEvery: options.invalidEvery ?? d.invalidEvery,
    eventsPerSecond: options.eventsPerSecond ?? d.eventsPerSecond,
    startTime,
    clock: options.clock,
    count: options.count,
  };
  const check = (ok: boolean, field: string, expected: string, value: unknown) => {
    if (!ok) throw new RangeError(`${field} must be ${expected}, got ${String(value)}`);
  };
  const count = (n: number, min: number) => Number.isSafeInteger(n) && n >= min;
  check(Number.isSafeInteger(o.seed), 'seed', 'an integer', o.seed);
  check(count(o.users, 1), 'users', 'a positive integer', o.users);
  check(count(o.pages, 1), 'pages', 'a positive integer', o.pages);
  check(o.abandonRate >= 0 && o.abandonRate <= 1, 'abandonRate', 'between 0 and 1', o.abandonRate);
  check(o.awayMs >= 0, 'awayMs', 'at least 0', o.awayMs);
  check(count(o.lateEvery, 0), 'lateEvery', 'an integer, 0 or more', o.lateEvery);
  check(o.lateByMs >= 0, 'lateByMs', 'at least 0', o.lateByMs);
  check(count(o.invalidEvery, 0), 'invalidEvery', 'an integer, 0 or more', o.invalidEvery);
  check(o.eventsPerSecond > 0 && Number.isFinite(o.eventsPerSecond), 'eventsPerSecond', 'a positive number', o.eventsPerSecond);
  check(Number.isFinite(o.startTime), 'startTime', 'a time (epoch ms or ISO 8601)', options.startTime);
  check(o.count === undefined || count(o.count, 0), 'count', 'an integer, 0 or more', o.count);
  return o;
}
