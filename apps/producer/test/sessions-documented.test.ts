import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateEvents, type EventRecord } from '../src/simulation';

// The README's Sessions paragraph is what someone checking user_sessions.event_count reads. It said
// a user "views the landing page, then does 1 to 30 actions (mean about 5)", but the landing view is
// the first of those 1 to 30: a fifth of the sessions are session_start, page_view, session_end (3
// events), not 4 or more; and "65 % views of another page" were of the same page 1 time in 7. This
// test reads the paragraph's figures and holds the generator to each; rewording the paragraph means
// updating the patterns here, so the figures stay checked.

const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');

/** The README's Sessions paragraph, on one line. */
const sessions = /- \*\*Sessions\.\*\*([\s\S]*?)\n- \*\*/.exec(readme)?.[1]?.replace(/\s+/g, ' ');

/** The numbers `pattern` captures in the Sessions paragraph; fails when it no longer says so. */
function claim(pattern: RegExp): number[] {
  const match = sessions === undefined ? null : pattern.exec(sessions);
  if (match === null) throw new Error(`the README's Sessions paragraph no longer matches ${String(pattern)}: update this test with it`);
  return match.slice(1).map(Number);
}

interface Ended {
  /** Page views and clicks between session_start and session_end. */
  readonly actions: number;
  /** The first action is a page_view of the page session_start was on. */
  readonly landed: boolean;
}

/** Every session that ends in 100,000 records (none abandoned), and the later actions' kinds. */
function simulate() {
  const open = new Map<string, { landing: string; page: string; actions: number; landed: boolean }>();
  const ended: Ended[] = [];
  let clicks = 0;
  let views = 0;
  let sameViews = 0;
  const records = [...generateEvents({ seed: 5, count: 100_000, lateEvery: 0, abandonRate: 0 })].filter((r): r is EventRecord => r.kind === 'event');
  for (const { key, event } of records) {
    const session = open.get(key);
    if (event.event_type === 'session_start') open.set(key, { landing: event.page_url, page: event.page_url, actions: 0, landed: false });
    else if (session === undefined) throw new Error(`${event.event_type} of ${key} outside a session`);
    else if (event.event_type === 'session_end') {
      ended.push({ actions: session.actions, landed: session.landed });
      open.delete(key);
    } else {
      if (session.actions === 0) session.landed = event.event_type === 'page_view' && event.page_url === session.landing;
      else if (event.event_type === 'click') clicks++;
      else {
        views++;
        if (event.page_url === session.page) sameViews++;
      }
      session.actions++;
      session.page = event.page_url;
    }
  }
  return { ended, clickShare: clicks / (clicks + views), sameViewShare: sameViews / views };
}

const { ended, clickShare, sameViewShare } = simulate();

it('has as many actions per session as the README says, the landing view first among them', () => {
  const [min, max, mean] = claim(/then does (\d+) to (\d+) actions \(geometric, mean about (\d+)\), the first of which is a view of the landing page/);
  expect(ended.length).toBeGreaterThan(10_000);
  const counts = ended.map((s) => s.actions);
  expect({ fewest: Math.min(...counts), most: Math.max(...counts) }).toEqual({ fewest: min, most: max });
  expect(Math.abs(counts.reduce((a, b) => a + b, 0) / counts.length - mean!)).toBeLessThan(0.5);
  expect(ended.filter((s) => !s.landed)).toEqual([]);
});

it('splits the later actions into clicks and views as the README says, and views the same page again as often', () => {
  const [clickPercent, viewPercent, oneIn] = claim(/click on the current page \((\d+) %\) or a view of a page drawn anew \((\d+) %; about 1 in (\d+) of these views is of the current page again\)/);
  expect(clickPercent! + viewPercent!).toBe(100);
  expect(Math.abs(clickShare - clickPercent! / 100)).toBeLessThan(0.02);
  expect(Math.abs(sameViewShare - 1 / oneIn!)).toBeLessThan(0.02);
});

it('has as many events per ended session as the README says, and as many of just 3', () => {
  const [min, max, oneIn] = claim(/a session that ends has (\d+) to (\d+) events, and 1 in (\d+) has just 3 \(`session_start`, `page_view`, `session_end`\)/);
  const events = ended.map((s) => s.actions + 2);
  expect({ fewest: Math.min(...events), most: Math.max(...events) }).toEqual({ fewest: min, most: max });
  expect(Math.abs(events.filter((n) => n === 3).length / events.length - 1 / oneIn!)).toBeLessThan(0.02);
});
