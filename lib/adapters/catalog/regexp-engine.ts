import { setFlagsFromString } from 'node:v8';

// V8's non-backtracking engine runs a pattern compiled with the `l` flag in time linear in its
// input. It is behind a V8 flag (Node 22, Lambda's nodejs22.x alike); set once, on import, before
// any catalog (and so any pattern) exists. Without it, `l` is an invalid flag and the catalog fails
// to load.
setFlagsFromString('--enable-experimental-regexp-engine');
