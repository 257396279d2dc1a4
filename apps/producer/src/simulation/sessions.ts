import type { PageCatalog } from '../pages';
import type { Random } from '../random';

/** An open session of one simulated user. */
export interface Session {
  /** The page the user is on. */
  page: string;
  /** Page views and clicks still to come before the session ends. */
  actionsLeft: number;
  /** The landing page view has been emitted. */
  landed: boolean;
  /** The user will leave without a `session_end` (closed by the pipeline's session timeout). */
  readonly abandons: boolean;
}

/** What an open session does next. */
export type SessionStep =
  | { readonly type: 'page_view' | 'click' | 'session_end'; readonly page: string }
  /** The user leaves silently: no event. */
  | { readonly type: 'abandon' };

/** Share of actions that are clicks on the current page rather than views of another page. */
const CLICK_SHARE = 0.35;
/** Probability of one more action: session lengths are geometric, mean ~5, many short and a few long. */
const CONTINUE = 0.8;
const MAX_ACTIONS = 30;

/**
 * A new session: it starts on a landing page drawn by popularity and will hold 1 to 30 actions.
 * The caller emits `session_start` on `session.page`.
 */
export function openSession(random: Random, pages: PageCatalog, abandonRate: number): Session {
  let actions = 1;
  while (actions < MAX_ACTIONS && random.chance(CONTINUE)) actions++;
  return { page: pages.pick(random), actionsLeft: actions, landed: false, abandons: random.chance(abandonRate) };
}

/**
 * Advances `session` by one step. The first action views the landing page; later ones click on the
 * current page or move to another; when no action is left the session ends or is abandoned.
 */
export function nextStep(session: Session, random: Random, pages: PageCatalog): SessionStep {
  if (session.actionsLeft === 0) return session.abandons ? { type: 'abandon' } : { type: 'session_end', page: session.page };
  session.actionsLeft--;
  if (!session.landed) {
    session.landed = true;
    return { type: 'page_view', page: session.page };
  }
  if (random.chance(CLICK_SHARE)) return { type: 'click', page: session.page };
  session.page = pages.pick(random);
  return { type: 'page_view', page: session.page };
}
