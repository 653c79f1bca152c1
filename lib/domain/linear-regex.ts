/** Text longer than this is cut before it is matched against a catalog pattern. */
export const MAX_MATCHED_LENGTH = 1000;

/**
 * Compiles a catalog pattern for linear-time matching (V8's non-backtracking engine, flag `l`): a
 * pattern such as `^([A-Z0-9-]+\s?)+$` cannot hang a webhook. Throws SyntaxError for a pattern the
 * engine cannot run (backreferences, lookaheads), and for every pattern until the engine is
 * switched on, which catalog loading does (`adapters/catalog/regexp-engine.ts`): no catalog exists
 * before that, so a missed switch fails closed, never open.
 */
export function linearRegExp(pattern: string): RegExp {
  return new RegExp(pattern, 'l');
}
