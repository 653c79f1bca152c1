import { setFlagsFromString } from 'node:v8';

// V8's non-backtracking engine runs a pattern compiled with the `l` flag in time linear in its
// input, whatever the pattern: a catalog pattern such as `^([A-Z0-9-]+\s?)+$` cannot hang a
// webhook. The engine is behind a V8 flag (Node 22, Lambda's nodejs22.x alike); set once, before
// any such pattern is compiled. Without it, `l` is an invalid flag and the catalog fails to load.
setFlagsFromString('--enable-experimental-regexp-engine');

/** Text longer than this is cut before it is matched against a catalog pattern. */
export const MAX_MATCHED_LENGTH = 1000;

/**
 * Compiles a catalog pattern for linear-time matching. Throws SyntaxError for a pattern the linear
 * engine cannot run (backreferences, lookaheads): such a pattern is refused at catalog load.
 */
export function linearRegExp(pattern: string): RegExp {
  return new RegExp(pattern, 'l');
}
