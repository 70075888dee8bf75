import type { ReplacedToken, SessionRecord } from './ports';

/**
 * How many replaced refresh tokens a session remembers (the one just replaced included), each for
 * the grace window after its replacement: a slow tab whose token is up to this many rotations behind
 * is still a retry (docs/http-contract.md "Sessions"). A chain rotated more often within the window
 * forgets its oldest, which are then replays.
 */
export const REPLACED_TOKENS_KEPT = 5;

/**
 * Whether `jti` is one of the session's replaced tokens (the one its current token replaced, or one
 * further back in the chain), presented within the grace window (`graceMs`) of its own replacement: a
 * retry, or a slow tab whose request left before other tabs rotated the session on.
 */
export function justReplaced(session: SessionRecord, jti: string, nowMs: number, graceMs: number): boolean {
  return replacedTokens(session).some((t) => t.jti === jti && inGrace(t, nowMs, graceMs));
}

/**
 * What a rotation at `nowMs` keeps of the replaced tokens before the one it replaces (that one becomes
 * `prevJti`): those still in their grace window, at most REPLACED_TOKENS_KEPT - 1.
 */
export function stillRemembered(session: SessionRecord, nowMs: number, graceMs: number): ReplacedToken[] {
  return replacedTokens(session)
    .filter((t) => inGrace(t, nowMs, graceMs))
    .slice(0, REPLACED_TOKENS_KEPT - 1);
}

/** The session's replaced tokens, newest first: the one its current token replaced, then older ones. */
function replacedTokens(session: SessionRecord): ReplacedToken[] {
  const last =
    session.prevJti !== undefined && session.rotatedAt !== undefined
      ? [{ jti: session.prevJti, rotatedAt: session.rotatedAt }]
      : [];
  return [...last, ...(session.olderJtis ?? [])];
}

const inGrace = (t: ReplacedToken, nowMs: number, graceMs: number) => graceMs > 0 && nowMs - t.rotatedAt <= graceMs;
