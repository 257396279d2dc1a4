/**
 * `producer/simulation`: the deterministic user-activity generator, without Kafka, for tests and
 * benchmarks of other packages.
 * @example
 * import { generateEvents } from 'producer/simulation';
 * for (const r of generateEvents({ seed: 1, count: 10_000 })) if (r.kind === 'event') feed(r.event);
 * @packageDocumentation
 */
export { generateEvents, type ActivityRecord, type EventRecord, type InvalidRecord } from './generator';
export { EVENT_TYPES, checkUserActivity, isUserActivity, type EventType, type UserActivity } from './event';
export { MALFORMED_KINDS, type MalformedKind } from './malformed';
export { SIMULATION_DEFAULTS, resolveSimulationOptions, type SimulationOptions } from './options';
export { userId } from './users';
export { createPageCatalog, type Page, type PageCatalog } from '../pages';
export { createRandom, mulberry32, type Random } from '../random';
