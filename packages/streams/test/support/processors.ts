import { processor } from '../../src';
import { MIN, type Event } from './events';

/**
 * One record per key a minute after its last event (`{ user: key }`), from an event-time timer:
 * output a stateful operator derives as the watermark moves, for tests of what happens downstream.
 */
export const quietAfterAMinute = processor<Event, { user: string }, never>({
  name: 'quiet',
  process(_e, ctx) {
    ctx.timers.setEventTime('quiet', ctx.timestamp + MIN);
  },
  onTimer(_t, ctx) {
    ctx.emit({ user: String(ctx.key) });
  },
});
