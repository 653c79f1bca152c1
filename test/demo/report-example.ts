import '../../lib/require-node.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import { evidenceMacMessage } from '../../lib/domain/evidence-digest.js';
import type { Lease } from '../../lib/domain/lease.js';
import type { EvidenceMac } from '../../lib/ports/evidence-mac.js';
import { startEmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { runReport } from '../../lib/cli/report-command.js';
import { EXAMPLE_NOW, exampleDenials, exampleLeases } from '../support/access-report-example.js';
import { Chromium, requireChromium } from '../support/chromium.js';
import { seedLeaseTable } from '../support/seed-lease-table.js';

const HTML = 'docs/access-report-example.html';
const PNG = 'docs/access-report-example.png';
const WIDTH = 1280;
/** The example's evidence key (32 bytes, base64): fixed, so the example is the same on every run. Never a real key. */
const EXAMPLE_KEY = Buffer.alloc(32, 7).toString('base64');

/** The example's evidence, sealed with the example key as the sweep seals it with the stage's key. */
async function sealed(leases: readonly Lease[], mac: EvidenceMac): Promise<Lease[]> {
  return Promise.all(
    leases.map(async (lease) => {
      const e = lease.evidence;
      if (e?.summary === undefined) return lease;
      return { ...lease, evidence: { ...e, mac: await mac.generate(evidenceMacMessage(lease, { ...e, summary: e.summary })) } };
    }),
  );
}

/**
 * `npm run -s report:example`: the example report of docs/access-report.md. Seeds an in-memory DynamoDB-protocol
 * table with the example week (test/support/access-report-example.ts), its evidence sealed with an
 * example key, runs `kube-lease report` on it as of Sunday 8 November 2026 15:00 UTC with that key
 * (as `EVIDENCE_KEY_FILE` would give it), writes the HTML to docs/ and a full-page screenshot of it,
 * taken by headless Chromium at 1280 px, beside it.
 */
async function main(): Promise<void> {
  // Before anything is written: without a browser there is no screenshot to go with the HTML.
  const chromium = requireChromium();
  const dynamo = await startEmbeddedDynamoDb(undefined);
  const keyDir = await mkdtemp(join(tmpdir(), 'kube-lease-example-key-'));
  try {
    const keyFile = join(keyDir, 'evidence-mac.key');
    await writeFile(keyFile, `${EXAMPLE_KEY}\n`, { mode: 0o600 });
    const mac = new FileEvidenceMac(keyFile);
    await seedLeaseTable(dynamo.client, 'leases', await sealed(exampleLeases(), mac), exampleDenials());
    await mkdir('docs', { recursive: true });
    const code = await runReport(['--from', '2026-11-02', '--to', '2026-11-09', '--format', 'html', '--out', HTML], {
      env: { DYNAMODB_ENDPOINT: dynamo.endpoint, LEASES_TABLE: 'leases' },
      clock: { now: () => EXAMPLE_NOW },
      evidenceMac: mac,
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
    if (code !== 0) throw new Error(`kube-lease report exited ${code}`);
  } finally {
    dynamo.client.destroy();
    await dynamo.stop();
    await rm(keyDir, { recursive: true, force: true });
  }
  const browser = await Chromium.launch(chromium);
  try {
    const page = await browser.open(pathToFileURL(resolve(HTML)).href, WIDTH, 900);
    await writeFile(PNG, await page.screenshot(WIDTH));
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${PNG} (${WIDTH} px wide, headless Chromium)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`report:example failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
