import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, so that one timed step's garbage is not collected on the next one's
 * time. Three raw ceiling passes leave millions of consumed messages (and their Buffers) behind:
 * the floor (decode → enriched) run right after them took 18-20 s at 19-20 µs of CPU an event,
 * and 12-16 s at 12-15 µs with a collection first (before the consumer's 50 ms fetch backoff,
 * which costs the floor a few µs of CPU more).
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
