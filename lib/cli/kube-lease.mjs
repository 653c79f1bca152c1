#!/usr/bin/env node
// Launcher for `npx kube-lease`: runs the TypeScript CLI through tsx (a dev dependency of this repo).
// Checked before tsx and the dependencies load: on an older Node they fail with obscure errors.
if (!(Number(process.versions.node.split('.')[0]) >= 22)) {
  process.stderr.write(`kube-lease: Node.js 22 or newer is needed, this is ${process.version}. Run it through npm (npx kube-lease uses the Node 22 of the lock file) or install Node 22.\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');

register();
await import('./kube-lease.ts');
