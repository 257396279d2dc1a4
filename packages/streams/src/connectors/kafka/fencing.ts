import { CODES } from 'node-rdkafka';

/**
 * librdkafka's and the broker's codes for a transactional producer fenced by a newer one with its
 * transactional id. node-rdkafka (3.6) gives the fatal error's event and delivery reports code -1
 * and librdkafka's text only ("this instance has been fenced by a newer instance", "producer
 * attempted an operation with an old epoch"): those are told by their text.
 */
const FENCED_CODES: ReadonlySet<number> = new Set([CODES.ERRORS.ERR__FENCED, CODES.ERRORS.ERR_PRODUCER_FENCED, CODES.ERRORS.ERR_INVALID_PRODUCER_EPOCH]);
const FENCED_TEXT = /fenced by a newer|producer fenced|with an old epoch/i;
const PURGED = /purged in (queue|flight)/i;

/** Whether a librdkafka error says a newer producer with this one's transactional id fenced it. */
export function isFencing(err: { code?: number; message?: string } | null | undefined): boolean {
  if (err === null || err === undefined) return false;
  return (typeof err.code === 'number' && FENCED_CODES.has(err.code)) || FENCED_TEXT.test(String(err.message ?? ''));
}

/**
 * Whether a delivery failed because the producer purged its queue, which a fenced transactional
 * producer does: its records' reports may reach JavaScript before the fatal error that explains them.
 */
export function isPurge(error: Error): boolean {
  return PURGED.test(error.message);
}
